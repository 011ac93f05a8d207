"""`make backup` and `make restore` end to end (governance/backup.py): the test database
with the two counties, a person (encrypted), audit rows and a stored file is backed up;
the backup holds no key; restored into a new, empty database and media folder it gives
the same row counts, the same decrypted person, the same audit trail (digest) and the
same file, and the keys' check passes — and fails with other keys.

Transactional: pg_dump reads committed data (the database is flushed afterwards)."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings
from psycopg import sql

from collection.models import Person
from collection.services import person_create
from collection.tests.factories import valid_id
from governance.backup import (
    MANIFEST,
    BackupError,
    _database_empty,
    _params,
    backup_restore,
    restore_compare,
)
from governance.dbroles import owner_configured
from governance.models import AuditLog
from governance.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KEYS = "k9:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="


def _as_owner(dbname: str = "postgres") -> psycopg.Connection:
    s = dict(connection.settings_dict)
    if owner_configured():
        s.update({k: settings.DATABASE_OWNER.get(k) or s[k] for k in ("USER", "PASSWORD")})
    return psycopg.connect(
        dbname=dbname,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "localhost",
        port=s["PORT"] or 5432,
        autocommit=True,
    )


@contextmanager
def scratch_database():
    """A new, empty database with PostGIS (from the test template), dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    template = connection.settings_dict["TEST"].get("TEMPLATE")
    with _as_owner() as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        c.execute(create)
    if not template:
        with _as_owner(name) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    try:
        yield name
    finally:
        with _as_owner() as c:
            _wait_for_sessions_to_end(c, name)
            c.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _wait_for_sessions_to_end(c: psycopg.Connection, name: str, seconds: float = 10) -> None:
    """A session closed by the test (the application role's) may still be ending on the
    server: FORCE would then try to terminate it, which the owner role may not do."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        others = c.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()[0]
        if not others:
            return
        time.sleep(0.05)


@contextmanager
def connected_to(name: str):
    """The default connection on another database of the same server, for the block."""
    conn = connections["default"]
    before = conn.settings_dict["NAME"]
    conn.close()
    conn.settings_dict["NAME"] = name
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = before


def test_backup_then_restore_into_an_empty_database(
    demo_areas, make_user, first_grid, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    grid = first_grid("220102")
    worker = make_user(Role.GRID_WORKER, grid.code, "backup_worker")
    person = person_create(
        actor=worker, grid=grid, name="备份测试", id_number=valid_id(), phone="13812345678"
    )
    stored = default_storage.save("evidence/backup-test.txt", ContentFile("现场照片说明".encode()))
    call_command("check_keys", verbosity=0)  # the key fingerprints recorded
    counts = {"people": Person.objects.count(), "audit": AuditLog.objects.count()}
    backups, keys_file = tmp_path / "backups", tmp_path / "safe" / "gridgov.keys"

    call_command("backup", dir=str(backups), keys_to=str(keys_file), verbosity=0)

    (folder,) = backups.iterdir()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert set(manifest["files"]) == {"database.dump", "media.tar.gz"}
    assert manifest["counts"]["public.collection_person"] == counts["people"]
    assert manifest["audit"]["rows"] == counts["audit"]
    assert {k["key_id"] for k in manifest["keys"]} >= {"t1", "FIELD_HASH_KEY"}
    # No key in the backup: neither the encryption key nor the hash key, in any file.
    secrets = [
        settings.FIELD_ENCRYPTION_KEYS.split(":", 1)[1].encode(),
        settings.FIELD_HASH_KEY.encode(),
    ]
    for f in folder.iterdir():
        data = f.read_bytes()
        assert not any(s in data for s in secrets), f.name
    # The keys apart, only readable by their owner; never into the backups' folder.
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert f"FIELD_ENCRYPTION_KEYS={settings.FIELD_ENCRYPTION_KEYS}" in keys_file.read_text()
    with pytest.raises(CommandError, match="backups' folder"):
        call_command("backup", dir=str(backups), keys_to=str(backups / "k"), verbosity=0)

    restored_media = tmp_path / "restored-media"
    with scratch_database() as name, connected_to(name):
        call_command("restore", str(folder), media_root=str(restored_media), verbosity=0)

        assert restore_compare(manifest) == []  # every table's count, the audit digest
        again = Person.objects.get(pk=person.pk)
        assert (again.name, again.id_number, again.phone) == ("备份测试", valid_id(), "13812345678")
        assert Person.objects.count() == counts["people"]
        assert AuditLog.objects.count() == counts["audit"]
        assert (restored_media / stored).read_text() == "现场照片说明"
        with connection.cursor() as cur:  # imports can stage again (privileges re-set)
            cur.execute("SELECT has_schema_privilege('scratch', 'CREATE')")
            assert cur.fetchone()[0]
        # The audit trail is still append-only in the restored database.
        with pytest.raises(Exception, match="(?i)audit|append|not allowed|permission"):
            AuditLog.objects.filter(pk=AuditLog.objects.first().pk).delete()
        connection.close()
        # Other keys cannot read it: check_keys refuses, naming the key the data needs.
        with override_settings(FIELD_ENCRYPTION_KEYS=OTHER_KEYS):
            with pytest.raises(CommandError, match="t1"):
                call_command("check_keys", verbosity=0)
        # Only into an empty database.
        with pytest.raises(Exception, match="不是空的"):
            backup_restore(folder=folder, media_root=tmp_path / "elsewhere")


def test_the_manifest_describes_the_dumps_snapshot_not_later_writes(settings, tmp_path):
    """The counts are read in the snapshot pg_dump exports: a row committed meanwhile by
    another connection is in neither (REPEATABLE READ, one snapshot)."""
    import psycopg as pg

    from governance import backup

    settings.MEDIA_ROOT = str(tmp_path / "media")
    p = backup._params()
    with pg.connect(**p) as conn:
        conn.isolation_level = pg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        conn.execute("SELECT pg_export_snapshot()")
        with conn.cursor() as cur:
            first = backup.database_facts(cur)["counts"]["public.governance_auditlog"]
        with pg.connect(**(p | {}), autocommit=True) as other:  # a write meanwhile
            other.execute(
                "INSERT INTO governance_auditlog (at, actor_name, action, object_type, "
                "object_id, object_repr, changes, area_path) "
                "VALUES (now(), '', 'test.snapshot', 'test', '', '', '{}', '')"
            )
        with conn.cursor() as cur:
            again = backup.database_facts(cur)["counts"]["public.governance_auditlog"]
    assert again == first  # still the snapshot
    assert AuditLog.objects.filter(action="test.snapshot").count() == 1


def test_a_files_archive_that_would_write_outside_is_refused_before_the_database(
    settings, tmp_path
):
    """A backup whose files' archive was replaced (its checksum too) by one that would
    write outside the media folder: refused before pg_restore, so the database stays empty
    and nothing is written anywhere (governance/archives.py)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    default_storage.save("evidence/x.txt", ContentFile(b"x"))
    call_command("backup", dir=str(tmp_path / "backups"), verbosity=0)
    (folder,) = (tmp_path / "backups").iterdir()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        evil = tarfile.TarInfo("../escaped.txt")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    (folder / "media.tar.gz").write_bytes(buf.getvalue())
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"]["media.tar.gz"]["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))

    restored = tmp_path / "restored" / "media"
    with scratch_database() as name, connected_to(name):
        with pytest.raises(BackupError, match="不安全"):
            backup_restore(folder=folder, media_root=restored)
        assert _database_empty(_params())
    assert not (tmp_path / "restored" / "escaped.txt").exists()
    assert not restored.exists()
