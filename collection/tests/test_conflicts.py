"""The 409 conflict contract (issue 17, docs/offline.md): a change carrying the `version`
its author read is refused when the record moved on meanwhile — another worker, a 核准,
a department import — with both versions, the server's as the field policy shows it."""

import pytest
from django.db import connection
from django.utils import timezone

from collection.models import House, Person
from collection.services import house_create, person_update
from collection.tests.factories import GRID, PHONE, valid_id
from collection.verification import verification_tasks_create
from governance.errors import NotFound
from governance.roles import Role
from governance.versions import row_version
from grids.models import Area

pytestmark = pytest.mark.django_db

MASKED_ID = "220102********123" + valid_id()[-1]


@pytest.fixture
def partner(make_user):
    """The other grid worker of GRID."""
    return make_user(Role.GRID_WORKER, GRID, "c_partner")


def _read(client, url) -> dict:
    r = client.get(url)
    assert r.status_code == 200
    return r.json()


def test_a_stale_change_is_refused_with_both_versions(api_client, worker, partner, person):
    url = f"/api/v1/people/{person.pk}/"
    mine = _read(api_client(worker), url)  # the phone reads, goes offline
    moved = api_client(partner).patch(url, {"phone": "13900001111"}, format="json")
    assert moved.status_code == 200 and moved.json()["version"] != mine["version"]
    r = api_client(worker).patch(
        url,
        {"residence_address": "院里新址", "phone": "13900002222", "version": mine["version"]},
        format="json",
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "conflict" and "已被他人修改" in body["detail"]
    assert "changed after you read it" in body["detail"]
    assert body["version"] == moved.json()["version"]
    assert body["yours"] == {"residence_address": "院里新址", "phone": "13900002222"}
    server = body["server"]
    assert server["phone"] == "13900001111" and server["version"] == body["version"]
    # The server's side is shown as any answer to this worker is: the ID number masked,
    # the birth date derived from it masked with it.
    assert server["id_number"] == MASKED_ID and "*" in str(server["birth_date"])
    assert valid_id() not in r.content.decode()
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "13900001111" and fresh.residence_address == ""
    # Merged on the phone, sent with the current version: accepted.
    r = api_client(worker).patch(
        url, {"residence_address": "院里新址", "version": body["version"]}, format="json"
    )
    assert r.status_code == 200 and r.json()["residence_address"] == "院里新址"
    assert r.json()["version"] == _read(api_client(worker), url)["version"] != body["version"]


def test_a_current_version_and_no_version_are_accepted(api_client, worker, person):
    url = f"/api/v1/people/{person.pk}/"
    client = api_client(worker)
    listed = client.get("/api/v1/people/").json()["results"][0]
    assert listed["version"] == _read(client, url)["version"] == row_version(person)
    r = client.patch(url, {"relation": "户主", "version": listed["version"]}, format="json")
    assert r.status_code == 200
    # The web forms and older clients send none: the change is made as before.
    r = client.patch(url, {"relation": "配偶"}, format="json")
    assert r.status_code == 200 and Person.objects.get(pk=person.pk).relation == "配偶"


def test_outside_the_jurisdiction_it_is_404_not_409(api_client, outsider, worker, person):
    url = f"/api/v1/people/{person.pk}/"
    stale = _read(api_client(worker), url)["version"]
    api_client(worker).patch(url, {"relation": "户主"}, format="json")
    r = api_client(outsider).patch(url, {"relation": "x", "version": stale}, format="json")
    assert r.status_code == 404 and "server" not in r.json()
    assert PHONE not in r.content.decode()


def test_a_record_moved_away_meanwhile_is_not_shown(worker, person):
    """Between the read of the request and the lock the record left the worker's
    jurisdiction (a transfer accepted elsewhere): not found, not the server's version."""
    stale = row_version(person)
    elsewhere = Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()
    Person.objects.filter(pk=person.pk).update(
        grid=elsewhere, area_path=elsewhere.path, updated_at=timezone.now()
    )
    with pytest.raises(NotFound):
        person_update(actor=worker, person=person, relation="x", version=stale)


def test_a_department_import_moves_the_version(api_client, worker, person):
    """The imports write with SQL (`updated_at = now()`), not through save()."""
    url = f"/api/v1/people/{person.pk}/"
    stale = _read(api_client(worker), url)["version"]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE collection_person SET relation = '户主', updated_at = now() WHERE id = %s",
            [person.pk],
        )
    r = api_client(worker).patch(url, {"relation": "子女", "version": stale}, format="json")
    assert r.status_code == 409 and r.json()["server"]["relation"] == "户主"


def test_houses_and_organisations_carry_the_contract_too(api_client, worker, partner, grid):
    house = house_create(actor=worker, grid=grid, address="幸福路 9 号")
    url = f"/api/v1/houses/{house.pk}/"
    mine = _read(api_client(worker), url)
    assert api_client(partner).patch(url, {"use": "rental"}, format="json").status_code == 200
    r = api_client(worker).patch(
        url, {"owner_name": "赵六", "version": mine["version"]}, format="json"
    )
    assert r.status_code == 409 and r.json()["server"]["use"] == "rental"
    assert r.json()["yours"] == {"owner_name": "赵六"}
    assert House.objects.get(pk=house.pk).owner_name == ""


def test_a_stale_correction_in_verification_is_refused(api_client, worker, partner, person, grid):
    """核准 with corrections applies them through the record's update: with the version
    the phone read, a record changed meanwhile is not overwritten."""
    from collection.models import VerificationTask

    verification_tasks_create(
        dataset="people", rows=[(str(person.pk), grid.pk, grid.path)], source="公安人口库"
    )
    task = VerificationTask.objects.get()
    stale = _read(api_client(worker), f"/api/v1/people/{person.pk}/")["version"]
    api_client(partner).patch(
        f"/api/v1/people/{person.pk}/", {"residence_address": "甲"}, format="json"
    )
    r = api_client(worker).post(
        f"/api/v1/verifications/{task.pk}/decide/",
        {"decision": "corrected", "corrections": {"residence_address": "乙"}, "version": stale},
        format="json",
    )
    assert r.status_code == 409 and r.json()["server"]["residence_address"] == "甲"
    task.refresh_from_db()
    assert task.status == "pending" and Person.objects.get(pk=person.pk).residence_address == "甲"
