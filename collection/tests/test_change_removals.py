"""An import that moves a registered record to another grid writes a removal in the old
area, as single edits do (governance.changes, collection.importing.staging)."""

import pytest

from collection.services import person_create
from collection.tests.factories import GRID, apply, csv_bytes, numbered_id, upload
from governance.changes import changes_since
from governance.models import Change
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_an_import_moving_a_person_writes_a_removal_in_the_old_grid(
    importer, second_grid, make_user
):
    grid = Area.objects.get(code=GRID)
    person = person_create(
        actor=importer,
        grid=grid,
        name="旧名",
        id_number=numbered_id(1),
        phone="13900000000",
        kind="registered",
    )
    old_reader = make_user(Role.GRID_WORKER, GRID, "rm_old_worker")
    since = list(changes_since(user=old_reader, dataset="people"))[-1].seq
    stay = person_create(
        actor=importer,
        grid=grid,
        name="不动",
        id_number=numbered_id(2),
        phone="13900000001",
        kind="registered",
    )

    rows = [
        ["新名", numbered_id(1), "", "流动人口", "", second_grid.code],
        ["不动", numbered_id(2), "", "户籍人口", "", GRID],
    ]
    apply(importer, upload(importer, csv_bytes(rows)))

    mine = list(
        Change.objects.filter(dataset="people", object_id=str(person.pk))
        .order_by("seq")
        .values_list("op", "area_path")
    )
    assert mine == [("create", grid.path), ("removed", grid.path), ("update", second_grid.path)]
    assert list(
        Change.objects.filter(dataset="people", object_id=str(stay.pk))
        .order_by("seq")
        .values_list("op", flat=True)
    ) == ["create", "update"]
    seen = [
        (c.op, c.object_id) for c in changes_since(user=old_reader, dataset="people", since=since)
    ]
    assert seen == [("create", str(stay.pk)), ("removed", str(person.pk)), ("update", str(stay.pk))]
