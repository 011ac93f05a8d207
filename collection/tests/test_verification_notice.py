"""Issue 11: records pushed down for 核准 wait on the grid workers of their grids: they
are told once per grid, with a link to their list."""

import pytest

from collection.services import person_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_tasks_create
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_grid_workers_are_told_of_records_to_verify(worker, make_user):
    grid = Area.objects.get(code=GRID)
    other = make_user(Role.VILLAGE_STAFF, "220102001001", "vn_village")
    people = [
        person_create(actor=worker, grid=grid, name=n, id_number=valid_id(f"2201021970010100{i}"))
        for i, n in enumerate(("甲", "乙"))
    ]
    verification_tasks_create(
        dataset="people", source="公安导入", rows=[(p.pk, grid.pk, grid.path) for p in people]
    )
    n = worker.notifications.get(kind="collection.verify")
    assert n.title == "待核准:2 条实有人口记录" and n.url == "/collection/verifications/"
    assert n.body == grid.name
    assert not other.notifications.filter(kind="collection.verify").exists()
