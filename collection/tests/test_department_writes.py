"""Issue 8 item 4: a department handler reads base data as the field policy allows and
never edits it directly (departments contribute through imports, verified by grids)."""

import pytest

from collection.models import Person
from collection.services import person_create
from collection.tests.factories import GRID, valid_id
from governance.models import AuditLog
from governance.roles import Role
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "dw_worker")
    return person_create(
        actor=worker,
        grid=Area.objects.get(code=GRID),
        name="李四",
        id_number=valid_id(),
        phone="13812345678",
        kind="registered",
    )


def test_department_handler_cannot_edit_or_register_people(api_client, make_user, person):
    handler = make_user(Role.DEPARTMENT_HANDLER, "220102000000")
    c = api_client(handler)
    audit_before = AuditLog.objects.count()
    r = c.patch(f"/api/v1/people/{person.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 403, r.content
    assert Person.objects.get(pk=person.pk).name == "李四"
    r = c.post(
        "/api/v1/people/",
        {
            "name": "王五",
            "id_number": valid_id("22010219850101123"),
            "kind": "registered",
            "grid": GRID,
        },
        format="json",
    )
    assert r.status_code == 403, r.content
    assert not Person.objects.filter(name="王五").exists()
    assert AuditLog.objects.count() == audit_before
    # Reading stays as the field policy says: the record, without its protected fields.
    body = c.get(f"/api/v1/people/{person.pk}/").json()
    assert body["name"] == "李四" and not body.get("id_number") and not body.get("phone")


def test_department_handler_gets_no_edit_page(client, make_user, person):
    client.force_login(make_user(Role.DEPARTMENT_HANDLER, "220102000000"))
    assert client.get(f"/collection/people/{person.pk}/edit/").status_code == 403
