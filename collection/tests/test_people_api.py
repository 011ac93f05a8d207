"""Base data on the real database: encryption at rest, exact lookup, masking per role,
audited reveal, validation and scoping."""

import pytest
from django.db import connection

from collection.models import Person
from collection.services import house_create
from collection.tests.factories import GRID, PHONE, valid_id
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_id_and_phone_are_encrypted_at_rest(person):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_index FROM collection_person WHERE id = %s",
            [person.pk],
        )
        raw_id, raw_phone, index = cur.fetchone()
    assert valid_id() not in raw_id and PHONE not in raw_phone
    assert len(index) == 64
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.id_number == valid_id() and fresh.phone == PHONE


def test_gender_and_birth_date_come_from_the_id_number(person):
    import datetime as dt

    assert person.birth_date == dt.date(1990, 3, 7)
    assert person.gender == "male"  # 17th digit 3 is odd


def test_exact_lookup_by_id_number(api_client, worker, person):
    r = api_client(worker).get("/api/v1/people/", {"id_number": valid_id().lower()})
    assert [x["id"] for x in r.json()["results"]] == [person.pk]
    r = api_client(worker).get("/api/v1/people/", {"id_number": valid_id("22010219900307124")})
    assert r.json()["count"] == 0


def test_masking_per_role_and_audited_reveal(api_client, worker, person, make_user):
    body = api_client(worker).get(f"/api/v1/people/{person.pk}/").json()
    assert body["id_number"] == "220102********123" + valid_id()[-1]
    assert body["phone"] == PHONE  # grid workers call people: phone visible
    leader = make_user(Role.PROVINCE_LEADER, "220000000000")
    body = api_client(leader).get(f"/api/v1/people/{person.pk}/").json()
    assert body["phone"] == "138****5678" and "********" in body["id_number"]
    handler = make_user(Role.DEPARTMENT_HANDLER, "220102000000")
    body = api_client(handler).get(f"/api/v1/people/{person.pk}/").json()
    assert body["id_number"] is None and body["phone"] is None  # hidden
    # Reveal: allowed for the grid worker, audited; refused for the leader.
    r = api_client(worker).post(f"/api/v1/people/{person.pk}/reveal/", {"field": "id_number"})
    assert r.status_code == 200 and r.json()["value"] == valid_id()
    log = AuditLog.objects.filter(action="person.reveal", object_id=str(person.pk)).get()
    assert log.actor == worker and log.changes == {"field": [None, "id_number"]}
    r = api_client(leader).post(f"/api/v1/people/{person.pk}/reveal/", {"field": "id_number"})
    assert r.status_code == 403


def test_audit_rows_never_hold_the_protected_values(person):
    for log in AuditLog.objects.filter(object_type="collection.person"):
        assert valid_id() not in str(log.changes) and PHONE not in str(log.changes)


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"name": "王五", "id_number": "220102199003071234"}, "id_check_digit"),
        ({"name": "王五", "id_number": "2201021990030712"}, "id_length"),
        ({"name": "王五", "id_number": "99010219900307123X"}, "id_region"),
        ({"name": "王五", "id_number": valid_id("22010219901307123")}, "id_birth_date"),
        (
            {"name": "王五", "id_number": valid_id("22010219800101001"), "phone": "12345"},
            "phone_format",
        ),
        ({"name": "", "id_number": valid_id("22010219800101001")}, "invalid"),  # field error
    ],
)
def test_bad_input_gets_a_clear_400(api_client, worker, payload, code):
    r = api_client(worker).post("/api/v1/people/", {**payload, "grid": GRID}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code and r.json()["detail"]
    assert Person.objects.count() == 0


def test_duplicate_id_is_refused(api_client, worker, person):
    r = api_client(worker).post(
        "/api/v1/people/", {"name": "重复", "id_number": valid_id(), "grid": GRID}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "duplicate"


def test_scoping_on_every_base_data_endpoint(api_client, person, make_user, worker):
    from grids.models import Area

    house = house_create(actor=worker, grid=Area.objects.get(code=GRID), address="华阳小区1栋")
    outsider = make_user(Role.COUNTY_DISPATCHER, "220103000000")
    c = api_client(outsider)
    for url in (
        "/api/v1/people/",
        "/api/v1/houses/",
        "/api/v1/organisations/",
        "/api/v1/places/",
        "/api/v1/visits/",
    ):
        assert c.get(url).json()["count"] == 0, url
    assert c.get(f"/api/v1/people/{person.pk}/").status_code == 404
    assert c.get(f"/api/v1/houses/{house.pk}/").status_code == 404
    assert c.post(f"/api/v1/people/{person.pk}/reveal/", {"field": "phone"}).status_code == 404
    assert c.patch(f"/api/v1/people/{person.pk}/", {"name": "x"}, format="json").status_code == 404
    r = c.post(
        "/api/v1/people/",
        {"name": "x", "id_number": valid_id("22010219800101001"), "grid": GRID},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_grid"


def test_house_with_residents_and_a_visit(api_client, worker):
    c = api_client(worker)
    house = c.post(
        "/api/v1/houses/",
        {"grid": GRID, "address": "华阳小区2栋301", "use": "rental"},
        format="json",
    ).json()
    a = c.post(
        "/api/v1/people/",
        {
            "grid": GRID,
            "name": "租客甲",
            "house": house["id"],
            "id_number": valid_id("22010219850505001"),
            "kind": "floating",
        },
        format="json",
    )
    b = c.post(
        "/api/v1/people/",
        {
            "grid": GRID,
            "name": "租客乙",
            "house": house["id"],
            "id_number": valid_id("22010219860606002"),
        },
        format="json",
    )
    assert a.status_code == b.status_code == 201
    residents = c.get(f"/api/v1/houses/{house['id']}/residents/").json()
    assert {p["name"] for p in residents} == {"租客甲", "租客乙"}
    v = c.post(
        "/api/v1/visits/",
        {
            "grid": GRID,
            "visited_at": "2026-11-24T10:00:00+08:00",
            "place": "华阳小区2栋301",
            "findings": "租住登记齐全",
            "people": [a.json()["id"]],
        },
        format="json",
    )
    assert v.status_code == 201
    assert (
        c.post(
            "/api/v1/visits/", {"grid": GRID, "place": "x", "findings": "y"}, format="json"
        ).status_code
        == 400
    )


def test_organisation_credit_code_is_validated(api_client, worker):
    c = api_client(worker)
    ok = c.post(
        "/api/v1/organisations/",
        {
            "grid": GRID,
            "name": "示例科技有限公司",
            "kind": "non_public",
            "credit_code": "91350100M000100Y43",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    bad = c.post(
        "/api/v1/organisations/",
        {"grid": GRID, "name": "错误", "kind": "social", "credit_code": "91350100M000100Y44"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "credit_check"
