"""我的网格's counts: one statement for the six, each restricted like the lists (a grid
worker counts their own grid only; the neighbouring grid's rows are not counted)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collection.selectors import _grid_counts, grid_summary
from collection.services import (
    house_create,
    organisation_create,
    person_create,
    place_create,
    visit_create,
)
from collection.tests.factories import GRID, numbered_id
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_counts_of_the_grid_in_one_statement(make_user):
    grid = Area.objects.get(code=GRID)
    neighbour = Area.objects.filter(level=6, parent=grid.parent).exclude(pk=grid.pk).first()
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "gs_county")
    worker = make_user(Role.GRID_WORKER, GRID, "gs_worker")
    rental = house_create(actor=county, grid=grid, address="1 栋", use="rental")
    house_create(actor=county, grid=grid, address="2 栋", use="self")
    house_create(actor=county, grid=neighbour, address="邻网格 3 栋", use="rental")
    people = [
        person_create(actor=county, grid=grid, name=f"居民{n}", id_number=numbered_id(n))
        for n in range(3)
    ]
    person_create(actor=county, grid=neighbour, name="邻网格居民", id_number=numbered_id(9))
    organisation_create(
        actor=county, grid=grid, name="某公司", kind="non_public", credit_code="91350100M000100Y43"
    )
    place_create(actor=county, grid=grid, name="某网吧", kind=_a_place_kind())
    place_create(actor=county, grid=neighbour, name="邻网格网吧", kind=_a_place_kind())
    visit_create(
        actor=county,
        grid=grid,
        visited_at=timezone.now(),
        place=rental.address,
        findings="正常",
        people=people[:1],
    )

    grid_summary(user=worker, grid=grid)  # the user's roles and shares, read once per request
    with CaptureQueriesContext(connection) as queries:
        counts = grid_summary(user=worker, grid=grid)
    assert counts == {
        "people": 3,
        "houses": 2,
        "rentals": 1,
        "organisations": 1,
        "places": 1,
        "visits": 1,
    }
    assert len(queries) == 1
    # The grid is the worker's own: the statement compiled once per process counts what
    # the restricted one counts.
    assert _grid_counts(worker, grid.path, grid.pk).get() == counts
    # The county's dispatcher counts the same grid the same way; another county's
    # grid worker counts nothing in it.
    assert grid_summary(user=county, grid=grid) == counts
    outsider = make_user(
        Role.GRID_WORKER,
        Area.objects.filter(level=6, code__startswith="220103").order_by("code").first().code,
        "gs_outsider",
    )
    assert set(grid_summary(user=outsider, grid=grid).values()) == {0}


def _a_place_kind():
    from collection.models import Place

    return Place.Kind.values[0]
