"""Every write a grid worker's phone makes honours `Idempotency-Key` (issue 17): the phone
resends its outbox after a dropped connection, a double tap or a lost answer, and the
server applies each item once.

One table of the phone's writes, the same checks for each: the retry answers the first
answer (status, body, `Idempotent-Replayed`) without a second record; the key with another
body is refused 422; without a key the write works as before."""

from dataclasses import dataclass
from typing import Any

import pytest

from collection.models import House, Organisation, Person, PersonTag, Place, Visit
from collection.services import house_create, organisation_create
from collection.tests.factories import GRID, valid_id
from collection.verification import verification_tasks_create
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db

CORRECTION = {
    "correction_type": "probation",
    "correction_start": "2024-01-01",
    "correction_end": "2026-12-31",
    "original_charge": "危险驾驶罪",
}
CREDIT_CODE = "91110000600037341L"


@dataclass
class Write:
    method: str
    url: str
    body: dict
    other: dict  # the same key with this body is another request: 422
    count: Any  # () -> int: the records (or audited changes) the write makes


def _audited(action):
    return lambda: AuditLog.objects.filter(action=action).count()


def _tagged(person):
    PersonTag.objects.create(person=person, tag="correction", extra=CORRECTION)


WRITES = {
    "person-create": lambda w, g, p: Write(
        "post",
        "/api/v1/people/",
        {"grid": GRID, "name": "王五", "id_number": valid_id("22010219800101001")},
        {"grid": GRID, "name": "王六", "id_number": valid_id("22010219800101001")},
        Person.objects.count,
    ),
    "person-update": lambda w, g, p: Write(
        "patch",
        f"/api/v1/people/{p.pk}/",
        {"residence_address": "幸福路 1 号"},
        {"residence_address": "幸福路 2 号"},
        _audited("person.update"),
    ),
    "house-create": lambda w, g, p: Write(
        "post",
        "/api/v1/houses/",
        {"grid": GRID, "address": "幸福路 3 号"},
        {"grid": GRID, "address": "幸福路 4 号"},
        House.objects.count,
    ),
    "house-update": lambda w, g, p: Write(
        "patch",
        f"/api/v1/houses/{house_create(actor=w, grid=g, address='幸福路 5 号').pk}/",
        {"use": "rental"},
        {"use": "vacant"},
        _audited("house.update"),
    ),
    "organisation-create": lambda w, g, p: Write(
        "post",
        "/api/v1/organisations/",
        {"grid": GRID, "name": "幸福公司", "credit_code": CREDIT_CODE},
        {"grid": GRID, "name": "快乐公司", "credit_code": CREDIT_CODE},
        Organisation.objects.count,
    ),
    "organisation-update": lambda w, g, p: Write(
        "patch",
        "/api/v1/organisations/"
        f"{organisation_create(actor=w, grid=g, name='幸福公司', credit_code=CREDIT_CODE).pk}/",
        {"legal_person": "张三"},
        {"legal_person": "李四"},
        _audited("organisation.update"),
    ),
    "place-create": lambda w, g, p: Write(
        "post",
        "/api/v1/places/",
        {"grid": GRID, "name": "幸福广场", "kind": "crowded"},
        {"grid": GRID, "name": "快乐广场", "kind": "crowded"},
        Place.objects.count,
    ),
    "visit-create": lambda w, g, p: Write(
        "post",
        "/api/v1/visits/",
        {
            "grid": GRID,
            "visited_at": "2026-03-01T10:00:00+08:00",
            "place": "院里",
            "findings": "一切正常",
            "people": [p.pk],
        },
        {"grid": GRID, "visited_at": "2026-03-01T10:00:00+08:00", "findings": "另一次"},
        Visit.objects.count,
    ),
    "tag-create": lambda w, g, p: Write(
        "post",
        f"/api/v1/people/{p.pk}/tags/",
        {"tag": "correction", "extra": CORRECTION},
        {"tag": "correction", "extra": CORRECTION, "visit_every_days": 3},
        PersonTag.objects.count,
    ),
    "tag-update": lambda w, g, p: (
        _tagged(p),
        Write(
            "patch",
            f"/api/v1/people/{p.pk}/tags/correction/",
            {"visit_every_days": 10},
            {"visit_every_days": 11},
            _audited("person_tag.update"),
        ),
    )[1],
    "tag-end": lambda w, g, p: (
        _tagged(p),
        Write(
            "delete",
            f"/api/v1/people/{p.pk}/tags/correction/",
            {"reason": "解除矫正"},
            {"reason": "期满"},
            _audited("person_tag.end"),
        ),
    )[1],
    "verification-decide": lambda w, g, p: Write(
        "post",
        f"/api/v1/verifications/{_verification(p, g)}/decide/",
        {"decision": "corrected", "corrections": {"residence_address": "核准路 1 号"}},
        {"decision": "rejected", "note": "查无此人"},
        lambda: AuditLog.objects.filter(action__startswith="verification.").count(),
    ),
}


def _verification(person, grid) -> int:
    from collection.models import VerificationTask

    verification_tasks_create(
        dataset="people", rows=[(str(person.pk), grid.pk, grid.path)], source="公安人口库"
    )
    return VerificationTask.objects.get(object_id=str(person.pk)).pk


def _send(client, write: Write, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, write.method)(write.url, body, format="json", **headers)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_retried_write_is_applied_once(name, api_client, worker, grid, person):
    write = WRITES[name](worker, grid, person)
    client = api_client(worker)
    before = write.count()
    first = _send(client, write, write.body, f"{name}-1")
    assert first.status_code in (200, 201), first.content
    assert write.count() == before + 1
    # The answer was lost on the way (a tunnel, a flat battery): the outbox sends again.
    again = _send(client, write, write.body, f"{name}-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert write.count() == before + 1
    # The same key for another change: refused, nothing written.
    other = _send(client, write, write.other, f"{name}-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_conflict"
    assert "Idempotency-Key" in other.json()["detail"]
    assert write.count() == before + 1


def test_keys_belong_to_their_user(api_client, worker, make_user, person):
    """Two workers' phones may well generate the same key: each applies its own write."""
    partner = make_user(Role.GRID_WORKER, GRID, "c_partner")
    write = WRITES["visit-create"](worker, None, person)
    a = _send(api_client(worker), write, write.body, "visit-0001")
    b = _send(api_client(partner), write, write.body, "visit-0001")
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert not b.has_header("Idempotent-Replayed")
    assert sorted(Visit.objects.values_list("visitor__username", flat=True)) == [
        "c_partner",
        "c_worker",
    ]


def test_a_refused_write_is_not_remembered(api_client, worker, person):
    """A 4xx raised by the service rolls the key back with it: after fixing what the
    server refused (here: a grid the worker does not hold) the item can be resent."""
    client = api_client(worker)
    body = {"visited_at": "2026-03-01T10:00:00+08:00", "findings": "正常"}
    refused = client.post("/api/v1/visits/", {**body, "grid": "220103001001001"}, format="json")
    assert refused.status_code == 400
    refused = client.post(
        "/api/v1/visits/",
        {**body, "grid": "220103001001001"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="visit-fix",
    )
    assert refused.status_code == 400 and Visit.objects.count() == 0
    fixed = client.post(
        "/api/v1/visits/", {**body, "grid": GRID}, format="json", HTTP_IDEMPOTENCY_KEY="visit-fix"
    )
    assert fixed.status_code == 201 and Visit.objects.count() == 1


def test_without_a_key_every_request_is_a_write(api_client, worker, person):
    write = WRITES["visit-create"](worker, None, person)
    client = api_client(worker)
    assert _send(client, write, write.body, None).status_code == 201
    assert _send(client, write, write.body, None).status_code == 201
    assert Visit.objects.count() == 2
