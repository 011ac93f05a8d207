"""The grids around a worker's own, for the point-picking maps (issue 11): outlines and
names only, and only around an area the user holds."""

import pytest

from governance.roles import Role
from grids.models import Area
from grids.selectors import area_neighbours_geojson, pick_map_context

pytestmark = pytest.mark.django_db


def test_a_grid_worker_gets_the_grids_around_their_own(make_user):
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "nb_worker")
    siblings = set(
        Area.objects.filter(parent_id=grid.parent_id, level=6)
        .exclude(pk=grid.pk)
        .values_list("name", flat=True)
    )
    fc = area_neighbours_geojson(user=worker, area=grid)
    assert siblings and {f["properties"]["name"] for f in fc["features"]} == siblings
    assert all(set(f["properties"]) == {"name"} for f in fc["features"])  # no figures
    assert all(f["geometry"]["type"].endswith("Polygon") for f in fc["features"])
    around = pick_map_context(user=worker, area=grid)["pick_neighbours"]
    assert [f["id"] for f in around["features"]] == [f["id"] for f in fc["features"]]


def test_nothing_around_an_area_outside_the_jurisdiction(make_user):
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    other = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    outsider = make_user(Role.GRID_WORKER, other.code, "nb_outsider")
    assert area_neighbours_geojson(user=outsider, area=grid)["features"] == []
    county = make_user(Role.COUNTY_DISPATCHER, "220102000000", "nb_county")
    # Larger areas draw their parts through the areas API instead.
    assert pick_map_context(user=county, area=grid.parent)["pick_neighbours"] is None
