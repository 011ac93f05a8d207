import pytest
from django.contrib.gis.geos import Point

from grids import crs
from grids.locate import LocateError, locate, parse_point
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

URL = "/api/v1/areas/locate/"
pytestmark = pytest.mark.django_db


def inside_point(grid: Area) -> tuple[float, float]:
    p = Area.objects.get(pk=grid.pk).centroid  # ST_PointOnSurface: always inside
    return p.x, p.y


def test_locate_finds_the_grid_and_its_ancestors(first_grid):
    grid = first_grid(NANGUAN)
    result = locate(*inside_point(grid))
    assert result.code == grid.code and result.level == 6
    assert [a["level"] for a in result.path] == [1, 2, 3, 4, 5, 6]
    assert result.path[0]["code"] == "220000000000"
    assert result.path[2]["code"] == NANGUAN
    assert result.path[-1]["code"] == grid.code


def test_every_grid_is_found_at_its_own_inner_point():
    grids = Area.objects.filter(level=6, boundary__isnull=False).order_by("?")[:40]
    for grid in grids:
        assert locate(grid.centroid.x, grid.centroid.y).code == grid.code


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_locate_converts_chinese_coordinate_systems(first_grid, system):
    grid = first_grid(KUANCHENG)
    x, y = inside_point(grid)
    shifted = crs.wgs84_to_gcj02(x, y) if system == "gcj02" else crs.wgs84_to_bd09(x, y)
    assert Point(*shifted).distance(Point(x, y)) > 0.004  # the shift is hundreds of metres
    result = locate(*shifted, crs=system)
    assert result.code == grid.code
    assert abs(result.lng - x) < 1e-7 and abs(result.lat - y) < 1e-7


def test_locate_outside_every_grid_returns_none():
    assert locate(116.404, 39.915) is None  # Beijing


@pytest.mark.parametrize(
    "lng, lat, crs_name, code",
    [
        (None, "43.8", "wgs84", "required"),
        ("125.3", "", "wgs84", "required"),
        ("abc", "43.8", "wgs84", "invalid"),
        ("125.3", "nan", "wgs84", "out_of_range"),
        ("181", "43.8", "wgs84", "out_of_range"),
        ("125.3", "-91", "wgs84", "out_of_range"),
        ("125.3", "43.8", "mercator", "invalid_crs"),
    ],
)
def test_parse_point_rejects_bad_input(lng, lat, crs_name, code):
    with pytest.raises(LocateError) as err:
        parse_point(lng, lat, crs_name)
    assert err.value.code == code


def test_api_locate_contract(api_client, province_leader, first_grid):
    grid = first_grid(NANGUAN)
    x, y = inside_point(grid)
    r = api_client(province_leader).get(URL, {"lng": x, "lat": y})
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["level"], body["name"]) == (grid.code, 6, grid.name)
    assert [a["code"] for a in body["path"]][:3] == ["220000000000", "220100000000", NANGUAN]


def test_api_locate_gcj02(api_client, province_leader, first_grid):
    grid = first_grid(NANGUAN)
    lng, lat = crs.wgs84_to_gcj02(*inside_point(grid))
    r = api_client(province_leader).get(URL, {"lng": lng, "lat": lat, "crs": "gcj02"})
    assert r.status_code == 200 and r.json()["code"] == grid.code


def test_api_locate_outside_is_404_json(api_client, province_leader):
    r = api_client(province_leader).get(URL, {"lng": 116.404, "lat": 39.915})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found" and "网格" in r.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [{}, {"lng": "x", "lat": "43"}, {"lng": 200, "lat": 43}, {"lng": 125, "lat": 43, "crs": "utm"}],
)
def test_api_locate_bad_input_is_400_json(api_client, province_leader, params):
    r = api_client(province_leader).get(URL, params)
    assert r.status_code == 400
    assert set(r.json()) == {"detail", "code"}


def test_api_locate_outside_jurisdiction_is_404(api_client, nanguan_dispatcher, first_grid):
    x, y = inside_point(first_grid(KUANCHENG))
    r = api_client(nanguan_dispatcher).get(URL, {"lng": x, "lat": y})
    assert r.status_code == 404
    assert KUANCHENG not in r.content.decode()


def test_api_locate_requires_authentication(api_client):
    assert api_client().get(URL, {"lng": 125.3, "lat": 43.8}).status_code in (401, 403)
