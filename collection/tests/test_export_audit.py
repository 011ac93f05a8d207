"""Issue 8, item 7: an export's filters reach the audit trail masked (moved from
governance/tests/test_audit_scrub.py in issue 9, so that the kernel's tests import no app
above it)."""

import pytest

from collection.tests.factories import PHONE, valid_id
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_export_filters_are_logged_masked(api_client, make_user):
    from collection.services import person_create
    from grids.models import Area

    worker = make_user(Role.GRID_WORKER, "220102001001001", "scrub_worker")
    number = valid_id("22010219900307123")
    person_create(
        actor=worker,
        grid=Area.objects.get(code="220102001001001"),
        name="赵",
        id_number=number,
        phone=PHONE,
    )
    c = api_client(worker)
    assert c.get("/api/v1/people/export/", {"id_number": number, "fmt": "csv"}).status_code == 200
    assert c.get("/api/v1/people/export/", {"q": number, "fmt": "csv"}).status_code == 200
    logs = AuditLog.objects.filter(action="person.export", actor=worker)
    assert logs.count() == 2
    for log in logs:
        assert number not in str(log.changes), log.changes
    assert {
        str(log.changes["filters"][1].get("id_number") or log.changes["filters"][1]["q"])
        for log in logs
    } == {number[:6] + "*" * 8 + number[14:]}
