"""Bad input anywhere in collection gets a clear message and a 4xx, never a 500, and
changes nothing."""

import pytest

from collection.models import House, Organisation, Person, Place, VerificationTask
from collection.services import person_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_decide, verification_tasks_create
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, body, code",
    [
        (
            "/api/v1/organisations/",
            {"kind": "social", "credit_code": "91350100M000100Y43"},
            "required",
        ),
        ("/api/v1/organisations/", {"name": "无代码"}, "required"),
        (
            "/api/v1/organisations/",
            {"name": "坏类型", "kind": "state", "credit_code": "91350100M000100Y43"},
            "invalid",
        ),
        ("/api/v1/places/", {"name": "无类型"}, "required"),
        ("/api/v1/places/", {"name": "坏类型", "kind": "bogus"}, "invalid"),
        ("/api/v1/places/", {"kind": "crowded"}, "required"),
        ("/api/v1/houses/", {"address": "甲 1 号", "use": "warehouse-for-storage"}, "invalid"),
        ("/api/v1/houses/", {"address": "甲 2 号", "use": "bogus"}, "invalid"),
        ("/api/v1/houses/", {"address": "甲 3 号", "extra": "hello"}, "extra_invalid"),
        ("/api/v1/houses/", {"address": "长" * 301}, "invalid"),
        (
            "/api/v1/visits/",
            {"visited_at": "2024-13-45T10:00:00", "place": "x", "findings": "y"},
            "required",
        ),
        (
            "/api/v1/visits/",
            {"visited_at": "2024-11-01T10:00:00", "place": "x", "findings": "y", "people": "abc"},
            "invalid",
        ),
    ],
)
def test_api_refuses_bad_records_with_a_4xx(api_client, worker, url, body, code):
    before = [m.objects.count() for m in (House, Organisation, Place)]
    r = api_client(worker).post(url, {"grid": GRID, **body}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code and r.json()["detail"]
    assert [m.objects.count() for m in (House, Organisation, Place)] == before


def test_null_optional_values_are_fine(api_client, worker):
    r = api_client(worker).post(
        "/api/v1/houses/", {"grid": GRID, "address": " 乙 1 号 ", "owner_name": None}, format="json"
    )
    assert r.status_code == 201
    assert House.objects.get(address="乙 1 号").owner_name == ""  # address trimmed


def test_person_extra_must_be_an_object(api_client, worker):
    person = person_create(
        actor=worker,
        grid=Area.objects.get(code=GRID),
        name="丙",
        id_number=valid_id("22010219700101001"),
    )
    r = api_client(worker).patch(f"/api/v1/people/{person.pk}/", {"extra": "hello"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "extra_invalid"


def test_verification_refuses_bad_corrections(api_client, worker):
    grid = Area.objects.get(code=GRID)
    person = person_create(
        actor=worker, grid=grid, name="丁", id_number=valid_id("22010219700101002")
    )
    verification_tasks_create(dataset="people", source="t", rows=[(person.pk, grid.pk, grid.path)])
    task = VerificationTask.objects.get()
    r = api_client(worker).post(
        f"/api/v1/verifications/{task.pk}/decide/",
        {"decision": "corrected", "corrections": ["kind", "bogus"]},
        format="json",
    )
    assert r.status_code == 400
    with pytest.raises(Exception, match="人口类型"):
        verification_decide(
            actor=worker, task=task, decision="corrected", corrections={"kind": "bogus"}
        )
    assert Person.objects.get(pk=person.pk).kind == "registered"
    assert VerificationTask.objects.get().status == "pending"


def test_pages_survive_garbage_ids(client, worker, make_user):
    client.force_login(worker)
    assert client.get("/collection/people/new/?house=abc").status_code == 200
    r = client.post(
        "/collection/visits/new/", {"grid": GRID, "place": "x", "findings": "y", "people": ["abc"]}
    )
    assert r.status_code == 302
    assert (
        client.post(
            "/collection/verifications/", {"task": "abc", "decision": "confirmed"}
        ).status_code
        == 302
    )
    person = person_create(
        actor=worker,
        grid=Area.objects.get(code=GRID),
        name="戊",
        id_number=valid_id("22010219700101003"),
    )
    leader = make_user(Role.CITY_LEADER, "220100000000", "bad_leader")
    client.force_login(leader)
    r = client.post(f"/collection/people/{person.pk}/", {"reveal": "id_number"})
    assert r.status_code == 403 and "无权" in r.content.decode()
