import pytest

from collection.services import house_create, person_create, person_update
from governance.roles import Role
from grids.models import Area
from integrations.models import WebhookDelivery
from integrations.services import webhook_subscription_create

from .test_people_api import GRID, PHONE, valid_id

pytestmark = pytest.mark.django_db


def test_change_feed_with_cursor_masking_and_scoping(api_client, make_user):
    from governance.services import department_create

    worker = make_user(Role.GRID_WORKER, GRID, "f_worker")
    county = Area.objects.get(code="220102000000")
    dept = department_create(actor=None, code="220102-GA-F", name="公安分局", area=county)
    webhook_subscription_create(actor=None, department=dept, url="http://127.0.0.1:9/",
                                event_types=["people.changed"])
    grid = Area.objects.get(code=GRID)
    p = person_create(actor=worker, grid=grid, name="甲", id_number=valid_id(), phone=PHONE)
    house_create(actor=worker, grid=grid, address="1栋")
    person_update(actor=worker, person=p, name="甲二")

    leader = make_user(Role.CITY_LEADER, "220100000000")
    c = api_client(leader)
    first = c.get("/api/v1/changes/", {"dataset": "people", "limit": 1}).json()
    assert [r["op"] for r in first["results"]] == ["create"]
    assert first["results"][0]["data"]["name"] == "甲二"  # the current record
    assert "********" in first["results"][0]["data"]["id_number"]  # masked for a leader
    rest = c.get("/api/v1/changes/", {"dataset": "people", "since": first["next"]}).json()
    assert [r["op"] for r in rest["results"]] == ["update"]
    again = c.get("/api/v1/changes/", {"dataset": "people", "since": rest["next"]}).json()
    assert again["results"] == [] and again["next"] == rest["next"]

    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    assert api_client(outsider).get("/api/v1/changes/", {"dataset": "people"}
                                    ).json()["results"] == []
    assert c.get("/api/v1/changes/", {"dataset": "secrets"}).status_code == 400

    # Webhooks announce the change without any personal data.
    payloads = [d.payload for d in WebhookDelivery.objects.filter(event_type="people.changed")]
    assert len(payloads) == 2 and set(payloads[0]) == {"dataset", "id", "op", "seq"}
    assert PHONE not in str(payloads) and valid_id() not in str(payloads)
