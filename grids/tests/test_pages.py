import pytest

from governance.roles import Role
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db


def test_area_browser_starts_at_the_users_jurisdiction(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    r = client.get("/grids/")
    assert r.status_code == 302 and r.url.endswith(f"/grids/areas/{NANGUAN}/")


def test_area_detail_shows_children_map_and_staff(client, make_user, first_grid):
    grid = first_grid(NANGUAN)
    worker = make_user(Role.GRID_WORKER, grid.code, "wang_grid")
    leader = make_user(Role.PROVINCE_LEADER, "220000000000")
    client.force_login(leader)
    r = client.get(f"/grids/areas/{NANGUAN}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "南关区" in html and "南岭街道" in html and 'id="map"' in html
    r = client.get(f"/grids/areas/{grid.code}/")
    assert worker.username in r.content.decode() and "网格员" in r.content.decode()
    # breadcrumb from the province down
    assert "吉林省" in r.content.decode()


def test_area_detail_outside_jurisdiction_is_404(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    assert client.get(f"/grids/areas/{KUANCHENG}/").status_code == 404
    assert client.get("/grids/areas/220000000000/").status_code == 404
    r = client.get(f"/grids/areas/{NANGUAN}/")
    assert r.status_code == 200 and "吉林省" not in r.content.decode().split('id="area-title"')[0]


def test_pages_require_login(client):
    r = client.get(f"/grids/areas/{NANGUAN}/")
    assert r.status_code == 302 and "/accounts/login/" in r.url


def test_navigation_follows_roles(client, nanguan_dispatcher, make_user):
    client.force_login(nanguan_dispatcher)
    html = client.get("/").content.decode()
    assert "区域与网格" in html and "审计日志" not in html
    auditor = make_user(Role.AUDITOR, NANGUAN)
    client.force_login(auditor)
    assert "审计日志" in client.get("/").content.decode()


def test_english_is_available(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Areas and grids" in html


def test_map_uses_no_tiles_unless_configured(client, nanguan_dispatcher, settings):
    client.force_login(nanguan_dispatcher)
    html = client.get(f"/grids/areas/{NANGUAN}/").content.decode()
    assert 'data-tile-url=""' in html  # offline: boundaries on a plain background
    assert "leaflet/leaflet.js" in html and "http" not in html.split("leaflet/leaflet.js")[0][-60:]
    settings.MAP_TILE_URL = "https://t0.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"
    html = client.get(f"/grids/areas/{NANGUAN}/").content.decode()
    assert "tianditu" in html


def test_area_page_shows_area_in_km2(client, province_leader):
    client.force_login(province_leader)
    html = client.get(f"/grids/areas/{NANGUAN}/").content.decode()
    assert "km²" in html and "53" in html  # 南关区 ≈ 532 km²
