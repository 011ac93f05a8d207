"""Open311 GeoReport v2 round trip with a real client over HTTP (live server)."""

import pytest
import requests
from georeport import GeoReport

from events.open311 import open311_client_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_round_trip_with_a_georeport_client(demo_areas, live_server):
    from grids.models import Area

    _client, key = open311_client_create(actor=None, name="12345 热线平台")
    root = f"{live_server.url}/open311/v2"
    geo = GeoReport(root, api_key=key)

    services = geo.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "0603" in codes and all(s["metadata"] is False for s in services)
    assert geo.get_service_definition("0603")["service_code"] == "0603"

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    r = requests.post(f"{root}/requests.json", data={
        "api_key": key, "service_code": "0603", "lat": grid.centroid.y,
        "long": grid.centroid.x, "address_string": "人民大街 100 号",
        "description": "井盖缺失,夜间危险", "phone": "13700001111"}, timeout=10)
    assert r.status_code == 201, r.text
    request_id = r.json()[0]["service_request_id"]

    one = geo.get_service_request(request_id)
    assert one["service_request_id"] == request_id and one["status"] == "open"
    assert one["service_code"] == "0603" and abs(one["lat"] - grid.centroid.y) < 1e-6
    listed = geo.get_service_requests(status="open")
    assert [x["service_request_id"] for x in listed] == [request_id]
    assert geo.get_service_requests(status="closed") == []


def test_keys_are_required_and_scoped(demo_areas, live_server, make_user):
    root = f"{live_server.url}/open311/v2"
    assert requests.get(f"{root}/requests.json", params={"api_key": "nope"},
                        timeout=10).status_code == 403
    assert requests.post(f"{root}/requests.json", data={"api_key": "nope"},
                         timeout=10).status_code == 403
    _a, key_a = open311_client_create(actor=None, name="A")
    _b, key_b = open311_client_create(actor=None, name="B")
    r = requests.post(f"{root}/requests.json", data={"api_key": key_a, "service_code": "0603",
                                                     "lat": 43.85, "long": 125.35,
                                                     "description": "x"}, timeout=10)
    assert r.status_code in (201, 400)
    if r.status_code == 201:
        rid = r.json()[0]["service_request_id"]
        assert requests.get(f"{root}/requests/{rid}.json", params={"api_key": key_b},
                            timeout=10).status_code == 404
    # Staff-reported cases never appear through Open311.
    from events.models import Event, Source

    assert not Event.objects.exclude(source=Source.OPEN311).filter(
        number__in=[x["service_request_id"] for x in requests.get(
            f"{root}/requests.json", timeout=10).json()]).exists()
    bad = requests.post(f"{root}/requests.json", data={"api_key": key_a,
                                                       "service_code": "zzz"}, timeout=10)
    assert bad.status_code == 400 and bad.json()[0]["description"]
