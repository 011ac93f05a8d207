"""Open311 GeoReport v2: round trips with a real client over HTTP (live server) in both
formats, writes included; the error document, discovery and address-only requests."""

import xml.etree.ElementTree as ET

import pytest
import requests
import xmltodict
from georeport import GeoReport

from events.models import Event, Source, Status
from events.open311 import open311_client_create

ROOT = "/open311/v2"


def _as_list(value):
    """xmltodict gives one repeated element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


def _xml_error(response, status):
    assert response.status_code == status, response.content
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    assert error.findtext("code") == str(status) and error.findtext("description")
    return error.findtext("description")


@pytest.mark.django_db(transaction=True)
def test_round_trip_with_a_georeport_client_in_json(demo_areas, live_server):
    from grids.models import Area

    _client, key = open311_client_create(actor=None, name="12345 热线平台")
    root = f"{live_server.url}{ROOT}"
    geo = GeoReport(root, api_key=key)

    services = geo.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "0603" in codes and all(s["metadata"] is False for s in services)
    assert geo.get_service_definition("0603") == {"service_code": "0603", "attributes": []}

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    r = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "0603",
            "lat": grid.centroid.y,
            "long": grid.centroid.x,
            "address_string": "人民大街 100 号",
            "description": "井盖缺失,夜间危险",
            "phone": "13700001111",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    request_id = r.json()[0]["service_request_id"]
    stored = Event.objects.get(number=request_id)
    assert (stored.grid, stored.source, stored.status) == (
        grid,
        Source.OPEN311,
        Status.PENDING_REVIEW,
    )

    one = geo.get_service_request(request_id)
    assert one["service_request_id"] == request_id and one["status"] == "open"
    assert one["service_code"] == "0603" and abs(one["lat"] - grid.centroid.y) < 1e-6
    assert "13700001111" not in str(one)  # no personal data
    listed = geo.get_service_requests(status="open")
    assert [x["service_request_id"] for x in listed] == [request_id]
    assert geo.get_service_requests(status="closed") == []


@pytest.mark.django_db(transaction=True)
def test_round_trip_with_a_georeport_client_in_xml(demo_areas, live_server):
    """XML is what the specification requires; writes included, and a request with only
    an address (no lat/long) is filed in the grid its address names."""
    from grids.models import Area

    _client, key = open311_client_create(actor=None, name="12345 热线平台")
    root = f"{live_server.url}{ROOT}"
    geo = GeoReport(root, api_key=key, output_format="xml")

    services = _as_list(geo.get_service_list())
    assert "0603" in {s["service_code"] for s in services}
    assert all(s["metadata"] == "false" for s in services)
    assert geo.get_service_definition("0603")["service_code"] == "0603"

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    village, county = grid.parent, Area.objects.get(code="220102000000")
    address = f"吉林省长春市{county.name}{village.parent.name}{village.name}{grid.name} 8 号楼"
    r = requests.post(
        f"{root}/requests.xml",
        data={
            "api_key": key,
            "service_code": "0603",
            "address_string": address,
            "description": "路灯不亮",
            "first_name": "三",
            "last_name": "张",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("text/xml")
    created = xmltodict.parse(r.content)["service_requests"]["request"]
    request_id = created["service_request_id"]
    assert created["service_notice"]
    stored = Event.objects.get(number=request_id)
    assert stored.grid == grid and stored.location is None and stored.address == address

    one = geo.get_service_request(request_id)
    assert one["service_request_id"] == request_id and one["status"] == "open"
    assert one["address"] == address and one["lat"] is None  # an empty element
    listed = _as_list(geo.get_service_requests(status="open"))
    assert [x["service_request_id"] for x in listed] == [request_id]
    assert (
        xmltodict.parse(
            requests.get(f"{root}/requests.xml", params={"status": "closed"}, timeout=10).content
        )["service_requests"]
        is None
    )

    # Errors come as the specification's error document, in XML too.
    _xml_error(
        requests.post(f"{root}/requests.xml", data={"service_code": "0603"}, timeout=10), 403
    )
    _xml_error(requests.get(f"{root}/requests/NOPE-1.xml", timeout=10), 404)


@pytest.mark.django_db(transaction=True)
def test_keys_are_required_and_scoped(demo_areas, live_server):
    from grids.models import Area

    root = f"{live_server.url}{ROOT}"
    assert (
        requests.get(f"{root}/requests.json", params={"api_key": "nope"}, timeout=10).status_code
        == 403
    )
    assert (
        requests.post(f"{root}/requests.json", data={"api_key": "nope"}, timeout=10).status_code
        == 403
    )
    _a, key_a = open311_client_create(actor=None, name="A")
    _b, key_b = open311_client_create(actor=None, name="B")
    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    r = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key_a,
            "service_code": "0603",
            "lat": grid.centroid.y,
            "long": grid.centroid.x,
            "description": "x",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    # Client B reads only its own requests; client A and the public see this one.
    assert (
        requests.get(
            f"{root}/requests/{rid}.json", params={"api_key": key_b}, timeout=10
        ).status_code
        == 404
    )
    assert requests.get(f"{root}/requests.json", params={"api_key": key_b}, timeout=10).json() == []
    mine = requests.get(f"{root}/requests/{rid}.json", params={"api_key": key_a}, timeout=10)
    assert mine.status_code == 200 and mine.json()[0]["service_request_id"] == rid
    # Staff-reported cases never appear through Open311.
    public = requests.get(f"{root}/requests.json", timeout=10).json()
    assert [x["service_request_id"] for x in public] == [rid]
    assert (
        not Event.objects.exclude(source=Source.OPEN311)
        .filter(number__in=[x["service_request_id"] for x in public])
        .exists()
    )
    bad = requests.post(
        f"{root}/requests.json", data={"api_key": key_a, "service_code": "zzz"}, timeout=10
    )
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert bad.json()[0]["description"]


# -- without a live server: the documents and the refusals ---------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_xml_is_the_default_and_unknown_formats_get_the_error_document(client):
    r = client.get(f"{ROOT}/services")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/xml")
    assert ET.fromstring(r.content).tag == "services"
    _xml_error(client.get(f"{ROOT}/services.csv"), 404)
    assert _xml_error(client.post(f"{ROOT}/services.xml"), 405)
    r = client.post(f"{ROOT}/services.json")
    assert r.status_code == 405 and r.json()[0]["code"] == 405
    _xml_error(client.get(f"{ROOT}/services/9999.xml"), 404)
    r = client.get(f"{ROOT}/services/9999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    _xml_error(client.get(f"{ROOT}/requests.xml", {"status": "lost"}), 400)
    _xml_error(client.get(f"{ROOT}/requests.xml", {"start_date": "yesterday"}), 400)


@pytestmark_db
def test_discovery_in_both_formats(client):
    data = client.get(f"{ROOT}/discovery.json").json()
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert data["changeset"] and data["contact"] and data["key_service"]
    xml = xmltodict.parse(client.get(f"{ROOT}/discovery.xml").content)["discovery"]
    assert xml["endpoints"]["endpoint"]["url"] == "http://testserver/open311/v2"
    assert xml["endpoints"]["endpoint"]["formats"]["format"] == ["text/xml", "application/json"]


@pytestmark_db
def test_refused_requests_write_nothing(client):
    _c, key = open311_client_create(actor=None, name="A")
    before = Event.objects.count()
    cases = [
        ({"service_code": "0603"}, "位置"),  # no location at all
        ({"service_code": "0603", "lat": "43.8"}, "long"),
        ({"service_code": "0603", "address_id": "A-1"}, "address_id"),
        ({"service_code": "0603", "lat": "abc", "long": "125.3"}, ""),
        ({"service_code": "0603", "lat": "10", "long": "10"}, ""),  # outside every grid
        ({"service_code": "06", "lat": "43.8", "long": "125.3"}, "service_code"),  # a group
    ]
    for data, words in cases:
        description = _xml_error(client.post(f"{ROOT}/requests.xml", {"api_key": key, **data}), 400)
        assert words in description
        r = client.post(f"{ROOT}/requests.json", {"api_key": key, **data})
        assert r.status_code == 400 and r.json()[0]["description"] == description
    assert Event.objects.count() == before


@pytestmark_db
def test_an_address_naming_no_grid_is_held_for_moderation_without_one(
    client, make_user, api_client
):
    """宽城区 named, no grid: held at the county's moderators without a grid; approving
    needs a grid first, which only the holding unit's staff set, inside the county."""
    from events.services import EventActionError, event_locate, event_transition
    from grids.models import Area

    _c, key = open311_client_create(actor=None, name="A")
    county = Area.objects.get(code="220103000000")  # 宽城区
    r = client.post(
        f"{ROOT}/requests.json",
        {
            "api_key": key,
            "service_code": "0603",
            "description": "井盖缺失",
            "address_string": f"长春市{county.name}某某路 1 号",
        },
    )
    assert r.status_code == 201, r.content
    event = Event.objects.get(number=r.json()[0]["service_request_id"])
    assert event.grid is None and event.location is None
    assert event.status == Status.PENDING_REVIEW and event.area_path == county.path
    assert event.current_area == county
    one = client.get(f"{ROOT}/requests/{event.number}.xml")
    assert xmltodict.parse(one.content)["service_requests"]["request"]["status"] == "open"

    moderator = make_user("county_dispatcher", county.code)
    outsider = make_user("county_dispatcher", "220102000000")
    with pytest.raises(EventActionError) as refused:
        event_transition(actor=moderator, event=event, action="approve")
    assert refused.value.code == "no_grid"
    other_county_grid = Area.objects.filter(level=6, code__startswith="220102").first()
    grid = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    with pytest.raises(EventActionError):
        event_locate(actor=outsider, event=event, grid=grid)
    with pytest.raises(EventActionError):
        event_locate(actor=moderator, event=event, grid=other_county_grid)
    api = api_client(moderator)
    r = api.post(
        f"/api/v1/events/{event.number}/locate/", {"grid": other_county_grid.code}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_grid"
    r = api.post(f"/api/v1/events/{event.number}/locate/", {"grid": grid.code}, format="json")
    assert r.status_code == 200 and r.json()["grid"] == grid.code
    event.refresh_from_db()
    assert event.area_path == grid.path
    with pytest.raises(EventActionError):  # once only
        event_locate(actor=moderator, event=event, grid=grid)
    # 0603 is accepted at county level: the same moderators, who may approve it now.
    assert event.grid == grid and event.current_area == county
    event = event_transition(actor=moderator, event=event, action="approve")
    assert event.status == Status.REPORTED
    assert event.traces.filter(action="locate").exists()


@pytestmark_db
def test_an_address_naming_nothing_is_held_at_the_root(client):
    from grids.models import Area

    _c, key = open311_client_create(actor=None, name="A")
    r = client.post(
        f"{ROOT}/requests.xml",
        {"api_key": key, "service_code": "0603", "address_string": "火星路 1 号"},
    )
    assert r.status_code == 201, r.content
    number = xmltodict.parse(r.content)["service_requests"]["request"]["service_request_id"]
    event = Event.objects.get(number=number)
    root = Area.objects.get(parent__isnull=True)
    assert event.grid is None and event.area_path == root.path
    assert event.status == Status.PENDING_REVIEW
