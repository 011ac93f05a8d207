"""Issue 8, item 7: nothing unmasked reaches the audit trail, whichever service writes it.
Personal fields are masked by key where entries are built (audit_entry) and written in bulk
(audit_records); ID and mobile numbers in any text are masked by shape. Rows written before
this are masked when read (page and API)."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from governance.audit import audit_entry, audit_record, audit_records, scrub, scrub_text
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db

ID = "220102199003071237"
PHONE = "13812345678"


def test_scrub_masks_registered_keys_at_any_depth_and_numbers_in_text():
    changes = {
        "id_number": [None, ID],
        "phone": [PHONE, "13900001111"],
        "birth_date": [None, dt.date(1990, 3, 7)],
        "reporter_phone": [None, PHONE],
        "filters": [None, {"id_number": ID, "q": f"张 {ID}", "grid": "220102001001001"}],
        "note": [None, f"请联系 {PHONE} 或 150-0000-1111"],
        "rows": [None, 3],
    }
    out = scrub(changes)
    assert out["id_number"] == [None, "220102********1237"]
    assert out["phone"] == ["138****5678", "139****1111"]
    assert out["birth_date"] == [None, "199*-**-**"]
    assert out["reporter_phone"] == [None, "138****5678"]
    assert out["filters"][1] == {
        "id_number": "220102********1237",
        "q": "张 220102********1237",
        "grid": "220102001001001",
    }
    assert out["note"] == [None, "请联系 138****5678 或 150-0000-1111"]
    assert out["rows"] == [None, 3]
    assert changes["id_number"] == [None, ID]  # the argument is not modified
    assert scrub(out) == out  # masking twice changes nothing


def test_scrub_leaves_codes_that_only_look_numeric():
    for text in ("SJ20261130000123", "220102001001001", "91220101MA0000000X", "2026-11-30"):
        assert scrub_text(text) == text


def test_every_entry_is_scrubbed_when_built_and_when_written(make_user):
    user = make_user(Role.COUNTY_DISPATCHER, "220102000000", "scrub_user")
    row = audit_record(
        actor=user,
        action="test.write",
        object_type="x",
        object_repr=f"王 {ID}",
        changes={"id_number": [None, ID], "filters": [None, {"q": PHONE}]},
    )
    row.refresh_from_db()
    assert ID not in str(row.changes) and PHONE not in str(row.changes)
    assert row.object_repr == "王 220102********1237"
    # An entry built by hand and written in bulk gets the same treatment.
    raw = AuditLog(
        actor_name="system",
        action="test.bulk",
        object_type="x",
        changes={"phone": [None, PHONE]},
        object_repr=PHONE,
    )
    audit_records(
        [
            raw,
            audit_entry(
                actor=None,
                action="test.bulk",
                object_type="x",
                changes={"birth_date": [None, "1990-03-07"]},
            ),
        ]
    )
    stored = list(AuditLog.objects.filter(action="test.bulk").values_list("changes", "object_repr"))
    assert stored and all(PHONE not in str(c) + r and "1990-03-07" not in str(c) for c, r in stored)


def test_auditors_read_old_unmasked_rows_masked(api_client, client, make_user):
    auditor = make_user(Role.AUDITOR, "220102000000", "scrub_auditor")
    # A row as the trail held it before: written around audit_entry on purpose.
    AuditLog.objects.create(
        actor_name="old",
        action="person.export",
        object_type="p",
        area_path=auditor.role_assignments.get().area.path,
        changes={"filters": [None, {"id_number": ID}]},
        object_repr=f"张三 {PHONE}",
    )
    body = api_client(auditor).get("/api/v1/audit-logs/", {"action": "person.export"})
    assert body.status_code == 200 and body.json()["count"] >= 1
    assert ID not in body.content.decode() and PHONE not in body.content.decode()
    assert "220102********1237" in body.content.decode()
    client.force_login(auditor)
    page = client.get(reverse("audit-log"))
    assert page.status_code == 200
    assert ID not in page.content.decode() and PHONE not in page.content.decode()


def test_only_governance_audit_builds_audit_rows():
    """Structural: every writer goes through audit_entry/audit_record/audit_records, where
    the scrub happens; a new `AuditLog(...)` or `AuditLog.objects.create` elsewhere fails."""
    root = Path(settings.BASE_DIR)
    allowed = {root / "governance" / "audit.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).parts
        if rel[0] in (".venv", "var", "node_modules") or "tests" in rel or "migrations" in rel:
            continue
        if path in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id == "AuditLog":
                    offenders.append(f"{path}:{node.lineno}")
                if (
                    isinstance(f, ast.Attribute)
                    and f.attr in ("create", "bulk_create", "get_or_create")
                    and "AuditLog" in ast.unparse(f.value)
                ):
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []
