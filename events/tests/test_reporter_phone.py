"""Issue 8, item 8: reporters' phone numbers are encrypted at rest with the mechanism that
protects people's (governance.crypto, EncryptedTextField), rows stored before are encrypted
by a data migration, and every place that shows them masks them per role."""

import importlib

import pytest
from django.db import connection

from events.models import Event, Source
from events.services import event_report
from governance.models import AuditLog

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
MIGRATION = importlib.import_module("events.migrations.0005_pdata_reporter_phone")


def _raw(pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT reporter_phone FROM events_event WHERE id = %s", [pk])
        return cur.fetchone()[0]


@pytest.fixture
def citizen_report(cast, category):
    def make(**kw):
        return event_report(
            actor=None,
            source=Source.CITIZEN,
            title=kw.pop("title", "噪音扰民"),
            category=category("0101"),
            grid=cast.grid,
            reporter_name="张小明",
            reporter_phone=PHONE,
            **kw,
        )

    return make


def test_reporter_phone_is_encrypted_at_rest(citizen_report):
    from governance import crypto

    e = citizen_report()
    raw = _raw(e.pk)
    assert PHONE not in raw and raw != PHONE
    assert crypto.decrypt(raw, context="events.event.reporter_phone") == PHONE
    with pytest.raises(crypto.DecryptionError):  # bound to its column
        crypto.decrypt(raw, context="collection.person.phone")
    assert Event.objects.get(pk=e.pk).reporter_phone == PHONE


def test_existing_plain_rows_are_encrypted_by_the_migration(citizen_report):
    e = citizen_report()
    with connection.cursor() as cur:  # a row as stored before the migration
        cur.execute("UPDATE events_event SET reporter_phone = %s WHERE id = %s", [PHONE, e.pk])
    assert _raw(e.pk) == PHONE

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    MIGRATION.encrypt_existing(None, editor)
    first = _raw(e.pk)
    assert PHONE not in first and Event.objects.get(pk=e.pk).reporter_phone == PHONE
    MIGRATION.encrypt_existing(None, editor)  # idempotent: tokens are left as they are
    assert _raw(e.pk) == first
    MIGRATION.decrypt_existing(None, editor)  # and reversible
    assert _raw(e.pk) == PHONE


def test_phone_and_citizen_name_are_masked_per_role(api_client, cast, citizen_report):
    from events.services import event_transition

    e = citizen_report()
    event_transition(actor=cast.village, event=e, action="approve")
    holder = api_client(cast.village).get(f"/api/v1/events/{e.number}/").json()
    assert holder["reporter_phone"] == PHONE and holder["reporter_name"] == "张小明"
    for user in (cast.leader, cast.city):
        body = api_client(user).get(f"/api/v1/events/{e.number}/")
        assert body.status_code == 200
        assert body.json()["reporter_phone"] == "139****5678"
        assert body.json()["reporter_name"] == "张**"
        assert PHONE not in body.content.decode()


def test_public_tracking_shows_the_phone_masked(client, citizen_report):
    e = citizen_report()
    page = client.post("/public/track/", {"number": e.number, "code": e.tracking_code})
    assert page.status_code == 200
    assert "139****5678" in page.content.decode() and PHONE not in page.content.decode()


def test_too_long_phone_is_refused_and_nothing_is_written(cast, category):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        event_report(
            actor=None,
            source=Source.CITIZEN,
            title="x",
            category=category("0101"),
            grid=cast.grid,
            reporter_phone="1" * 21,
        )
    assert err.value.code == "invalid" and not Event.objects.exists()


def test_no_phone_reaches_the_audit_trail(cast, citizen_report):
    e = citizen_report(title=f"噪音扰民 请回电 {PHONE}")
    logs = AuditLog.objects.filter(object_type="events.event", object_id=str(e.pk))
    assert logs.exists()
    for log in logs:
        assert PHONE not in str(log.changes) + log.object_repr
        assert "139****5678" in log.object_repr
