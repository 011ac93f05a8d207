import pytest

from collection.services import house_create, person_create, person_update
from collection.tests.factories import GRID, PHONE, valid_id
from governance.roles import Role
from grids.models import Area
from integrations.models import WebhookDelivery
from integrations.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


def test_change_feed_with_cursor_masking_and_scoping(api_client, make_user):
    from governance.services import department_create

    worker = make_user(Role.GRID_WORKER, GRID, "f_worker")
    county = Area.objects.get(code="220102000000")
    dept = department_create(actor=None, code="220102-GA-F", name="公安分局", area=county)
    webhook_subscription_create(
        actor=None, department=dept, url="http://127.0.0.1:9/", event_types=["people.changed"]
    )
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
    assert (
        api_client(outsider).get("/api/v1/changes/", {"dataset": "people"}).json()["results"] == []
    )
    assert c.get("/api/v1/changes/", {"dataset": "secrets"}).status_code == 400

    # Webhooks announce the change without any personal data.
    payloads = [d.payload for d in WebhookDelivery.objects.filter(event_type="people.changed")]
    assert len(payloads) == 2 and set(payloads[0]) == {"dataset", "id", "op", "seq"}
    assert PHONE not in str(payloads) and valid_id() not in str(payloads)


def _feed(client, since=0):
    body = client.get("/api/v1/changes/", {"dataset": "people", "since": since}).json()
    return body["next"], [(r["op"], r["id"], r["data"]) for r in body["results"]]


def test_a_record_moved_out_of_a_readers_area_reaches_it_as_a_removal(
    api_client, make_user, first_grid
):
    """A person moved from 南关区 to 宽城区: the 南关区 reader gets a removal carrying only
    the id (its copy would otherwise go stale), the 宽城区 reader gets the record, and a
    reader of both gets the removal followed by the record."""
    from tests.fixtures import KUANCHENG, NANGUAN

    # The city's 综治中心 keeps base data in both counties (an administrator no longer
    # changes base data: basedata.change, issue 8 item 4).
    admin = make_user(Role.COUNTY_DISPATCHER, "220100000000")
    ng, kc = first_grid(NANGUAN), first_grid(KUANCHENG)
    ng_reader = api_client(make_user(Role.COUNTY_DISPATCHER, NANGUAN))
    kc_reader = api_client(make_user(Role.COUNTY_DISPATCHER, KUANCHENG))
    city_reader = api_client(make_user(Role.CITY_LEADER, "220100000000"))
    from governance.services import department_create

    ng_dept = department_create(
        actor=None, code="NG-GA-M", name="南关公安分局", area=Area.objects.get(code=NANGUAN)
    )
    kc_dept = department_create(
        actor=None, code="KC-GA-M", name="宽城公安分局", area=Area.objects.get(code=KUANCHENG)
    )
    for dept in (ng_dept, kc_dept):
        webhook_subscription_create(
            actor=None, department=dept, url="http://127.0.0.1:9/", event_types=["people.changed"]
        )
    p = person_create(actor=admin, grid=ng, name="迁出人", id_number=valid_id(), phone=PHONE)
    ng_next, rows = _feed(ng_reader)
    assert [(op, i) for op, i, _d in rows] == [("create", str(p.pk))]
    kc_next, _ = _feed(kc_reader)
    city_next, _ = _feed(city_reader)

    person_update(actor=admin, person=p, grid=kc, name="迁出人")

    _, rows = _feed(ng_reader, ng_next)
    assert rows == [("removed", str(p.pk), None)]  # only the id: not where it went
    _, rows = _feed(kc_reader, kc_next)
    assert [(op, i) for op, i, _d in rows] == [("update", str(p.pk))]
    assert rows[0][2]["name"] == "迁出人"
    _, rows = _feed(city_reader, city_next)
    assert [(op, d is None) for op, _i, d in rows] == [("removed", True), ("update", False)]

    # An edit that does not move the record writes no removal.
    person_update(actor=admin, person=p, name="迁出人二")
    assert _feed(ng_reader, ng_next)[1] == [("removed", str(p.pk), None)]
    # The removal is announced to the old county's departments, without content.
    removal = WebhookDelivery.objects.get(subscription__department=ng_dept, payload__op="removed")
    assert removal.payload == {
        "dataset": "people",
        "id": str(p.pk),
        "op": "removed",
        "seq": removal.payload["seq"],
    }
    assert not WebhookDelivery.objects.filter(
        subscription__department=kc_dept, payload__op="removed"
    ).exists()
