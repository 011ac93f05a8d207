"""Issue 8, item 5: registering a person whose ID number is held in another county must not
disclose that record (not the person, not where). It becomes a transfer request (迁入申请)
to the holding county, whose staff accept (the record moves, with its history) or refuse;
both sides are notified and every step is audited."""

import pytest

from collection.models import Person, PersonTransfer
from collection.services import person_create, person_update
from collection.tests.factories import PHONE, valid_id
from collection.transfers import (
    PersonTransferRequested,
    person_transfer_decide,
)
from governance.models import AuditLog, Notification
from governance.roles import Role
from grids.models import Area
from tests.fixtures import KUANCHENG, NANGUAN

pytestmark = pytest.mark.django_db

NUMBER = valid_id("22010219880214123")


class Cast:
    pass


@pytest.fixture
def cast(make_user, first_grid):
    c = Cast()
    c.ng_grid, c.kc_grid = first_grid(NANGUAN), first_grid(KUANCHENG)
    # A second grid of 宽城区: its worker is as much an outsider to the request's grid.
    c.third_grid = (
        Area.objects.filter(level=6, code__startswith=KUANCHENG[:6])
        .exclude(pk=c.kc_grid.pk)
        .order_by("code")
        .first()
    )
    c.ng_worker = make_user(Role.GRID_WORKER, c.ng_grid.code, "t_ng_worker")
    c.ng_dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "t_ng_dispatcher")
    c.ng_leader = make_user(Role.CITY_LEADER, "220100000000", "t_leader")
    c.kc_worker = make_user(Role.GRID_WORKER, c.kc_grid.code, "t_kc_worker")
    c.third_worker = make_user(Role.GRID_WORKER, c.third_grid.code, "t_third_worker")
    c.held = person_create(
        actor=c.ng_worker,
        grid=c.ng_grid,
        name="南关甲",
        id_number=NUMBER,
        phone=PHONE,
        residence_address="南关某小区 1 栋",
    )
    return c


def _post(api_client, user, grid, number=NUMBER, name="宽城登记"):
    return api_client(user).post(
        "/api/v1/people/",
        {
            "name": name,
            "id_number": number,
            "grid": grid.code,
            "residence_address": "宽城新居 2 栋",
        },
        format="json",
    )


def test_registering_a_number_held_elsewhere_discloses_nothing(api_client, cast):
    r = _post(api_client, cast.kc_worker, cast.kc_grid)
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["code"] == "transfer_requested" and set(body) == {"detail", "code", "transfer"}
    text = r.content.decode()
    for secret in (
        "南关甲",
        "南关某小区",
        cast.ng_grid.code,
        cast.ng_grid.name,
        "duplicate",
        "person",
    ):
        assert secret not in text
    # The answer is the same wherever the record is held (another county or grid).
    other = valid_id("22010319880214123")  # held in the requester's own county, other grid
    person_create(actor=cast.third_worker, grid=cast.third_grid, name="宽城乙", id_number=other)
    r2 = _post(api_client, cast.kc_worker, cast.kc_grid, number=other)
    assert r2.status_code == 202 and {k: v for k, v in r2.json().items() if k != "transfer"} == {
        k: v for k, v in body.items() if k != "transfer"
    }
    # Nothing was created or changed; the held record stays out of reach.
    assert Person.objects.filter(name="宽城登记").count() == 0
    assert Person.objects.get(pk=cast.held.pk).grid_id == cast.ng_grid.pk
    assert api_client(cast.kc_worker).get(f"/api/v1/people/{cast.held.pk}/").status_code == 404


def test_the_request_is_visible_to_both_sides_without_the_held_record(api_client, cast):
    transfer_id = _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"]
    mine = api_client(cast.kc_worker).get("/api/v1/person-transfers/").json()["results"]
    assert [t["id"] for t in mine] == [transfer_id]
    assert mine[0]["side"] == "requester" and mine[0]["person"] is None
    assert mine[0]["name"] == "宽城登记" and mine[0]["status"] == "pending"
    assert mine[0]["id_number_masked"] == NUMBER[:6] + "*" * 8 + NUMBER[14:]
    theirs = api_client(cast.ng_worker).get(f"/api/v1/person-transfers/{transfer_id}/").json()
    assert theirs["side"] == "holder" and theirs["person"] == cast.held.pk
    # The holding side's staff are told; a third county sees nothing.
    assert Notification.objects.filter(user=cast.ng_worker, kind="person.transfer").exists()
    assert Notification.objects.filter(user=cast.ng_dispatcher, kind="person.transfer").exists()
    assert not Notification.objects.filter(user=cast.third_worker).exists()
    assert (
        api_client(cast.third_worker).get(f"/api/v1/person-transfers/{transfer_id}/").status_code
        == 404
    )
    # Audited on the requesting side, with nothing about the holder.
    log = AuditLog.objects.get(action="person_transfer.request")
    assert log.area_path == cast.kc_grid.path and "南关" not in str(log.changes)
    # Asking again returns the same open request.
    assert _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"] == transfer_id


def test_holding_side_accepts_and_the_record_moves_with_its_history(api_client, cast):
    transfer_id = _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"]
    assert (
        api_client(cast.kc_worker)
        .post(f"/api/v1/person-transfers/{transfer_id}/decide/", {"accept": True}, format="json")
        .status_code
        == 403
    )
    assert (
        api_client(cast.ng_leader)
        .post(f"/api/v1/person-transfers/{transfer_id}/decide/", {"accept": True}, format="json")
        .status_code
        == 403
    )
    r = api_client(cast.ng_worker).post(
        f"/api/v1/person-transfers/{transfer_id}/decide/", {"accept": True}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    moved = Person.objects.get(pk=cast.held.pk)
    assert moved.grid_id == cast.kc_grid.pk and moved.area_path == cast.kc_grid.path
    assert moved.residence_address == "宽城新居 2 栋" and moved.phone == PHONE
    assert api_client(cast.kc_worker).get(f"/api/v1/people/{moved.pk}/").status_code == 200
    assert api_client(cast.ng_worker).get(f"/api/v1/people/{moved.pk}/").status_code == 404
    assert Notification.objects.filter(user=cast.kc_worker, kind="person.transfer").exists()
    paths = set(
        AuditLog.objects.filter(action="person.transfer", object_id=str(moved.pk)).values_list(
            "area_path", flat=True
        )
    )
    assert paths == {cast.ng_grid.path, cast.kc_grid.path}
    assert AuditLog.objects.filter(action="person_transfer.accepted").exists()
    again = api_client(cast.ng_dispatcher).post(
        f"/api/v1/person-transfers/{transfer_id}/decide/",
        {"accept": False, "reason": "x"},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_holding_side_refuses_with_a_reason(api_client, cast):
    transfer_id = _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"]
    c = api_client(cast.ng_dispatcher)
    r = c.post(f"/api/v1/person-transfers/{transfer_id}/decide/", {"accept": False}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "required"
    r = c.post(
        f"/api/v1/person-transfers/{transfer_id}/decide/",
        {"accept": False, "reason": "本人仍在南关区居住"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    assert Person.objects.get(pk=cast.held.pk).grid_id == cast.ng_grid.pk
    note = Notification.objects.get(user=cast.kc_worker, kind="person.transfer")
    assert "本人仍在南关区居住" in note.title


def test_requester_may_withdraw(api_client, cast):
    transfer_id = _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"]
    r = api_client(cast.kc_worker).post(f"/api/v1/person-transfers/{transfer_id}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_a_duplicate_inside_the_jurisdiction_is_still_named(api_client, cast):
    r = _post(api_client, cast.ng_dispatcher, cast.ng_grid)
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert not PersonTransfer.objects.exists()


def test_service_callers_get_the_request_committed(cast):
    with pytest.raises(PersonTransferRequested) as err:
        person_create(actor=cast.kc_worker, grid=cast.kc_grid, name="宽城丙", id_number=NUMBER)
    assert err.value.code == "transfer_requested"
    assert PersonTransfer.objects.filter(pk=err.value.transfer.pk, status="pending").exists()
    person_transfer_decide(actor=cast.ng_worker, transfer=err.value.transfer, accept=True)
    assert Person.objects.get(pk=cast.held.pk).grid_id == cast.kc_grid.pk


def test_changing_a_number_to_one_held_elsewhere_names_nothing(cast):
    from django.core.exceptions import ValidationError

    own = person_create(
        actor=cast.kc_worker,
        grid=cast.kc_grid,
        name="宽城丁",
        id_number=valid_id("22010319900101003"),
    )
    with pytest.raises(ValidationError) as err:
        person_update(actor=cast.kc_worker, person=own, id_number=NUMBER)
    assert err.value.code == "transfer_required"
    assert "南关" not in " ".join(err.value.messages)


def test_pages_request_and_decide(client, cast):
    client.force_login(cast.kc_worker)
    r = client.post(
        "/collection/people/new/",
        {
            "name": "宽城戊",
            "doc_type": "id_card",
            "id_number": NUMBER,
            "kind": "registered",
            "grid": cast.kc_grid.code,
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("/collection/transfers/")
    page = client.get("/collection/transfers/").content.decode()
    assert "宽城戊" in page and "南关甲" not in page and "待原登记地确认" in page
    transfer = PersonTransfer.objects.get()
    assert (
        client.post(
            "/collection/transfers/", {"transfer": transfer.pk, "decision": "accept"}
        ).status_code
        == 403
    )
    client.force_login(cast.ng_worker)
    assert "宽城戊" in client.get("/collection/transfers/").content.decode()
    r = client.post("/collection/transfers/", {"transfer": transfer.pk, "decision": "accept"})
    assert r.status_code == 302
    assert Person.objects.get(pk=cast.held.pk).grid_id == cast.kc_grid.pk
    assert Area.objects.get(pk=cast.kc_grid.pk)  # the grid is untouched


def test_departments_are_no_party_to_a_transfer(api_client, make_user, cast):
    """The holding side is the staff who keep base data; a department of the holding
    county neither lists nor decides the request, and one of the requesting county does
    not withdraw it (issue 8, item 4: departments do not change base data)."""
    from governance.services import department_create

    ng_dept = department_create(
        actor=None, code="T-NG-D", name="南关部门", area=Area.objects.get(code=NANGUAN)
    )
    kc_dept = department_create(
        actor=None, code="T-KC-D", name="宽城部门", area=Area.objects.get(code=KUANCHENG)
    )
    ng_handler = make_user(Role.DEPARTMENT_HANDLER, NANGUAN, "t_ng_handler", department=ng_dept)
    kc_handler = make_user(Role.DEPARTMENT_HANDLER, KUANCHENG, "t_kc_handler", department=kc_dept)
    pk = _post(api_client, cast.kc_worker, cast.kc_grid).json()["transfer"]
    h = api_client(ng_handler)
    assert h.get("/api/v1/person-transfers/").json()["results"] == []
    assert (
        h.post(
            f"/api/v1/person-transfers/{pk}/decide/", {"accept": True}, format="json"
        ).status_code
        == 404
    )
    r = api_client(kc_handler).post(f"/api/v1/person-transfers/{pk}/cancel/")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert PersonTransfer.objects.get(pk=pk).status == PersonTransfer.Status.PENDING
    assert not AuditLog.objects.filter(
        action__startswith="person_transfer.", actor=kc_handler
    ).exists()
