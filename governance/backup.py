"""Backups that restore (docs/operations.md, "Backup and restore").

`backup_create` writes backups/<timestamp>/:

- database.dump   `pg_dump -Fc` of the whole database, taken in one snapshot;
- media.tar.gz    the stored files (MEDIA_ROOT), when they are on the local disk (an object
                  store is backed up by its own versioning or replication);
- manifest.json   what was taken: the migrations, the exact row count of every table and a
                  digest of the audit trail — all read in the dump's own snapshot, so a
                  restore can be checked against them — the key ids the data needs (with
                  their fingerprints, which identify a key without revealing it), and the
                  SHA-256 and size of each file.

The encryption keys are NOT in the backup: a backup that carries its own keys is a leak.
They are written only on request (`keys_to`), to a file outside the backups' folder, to
be kept somewhere else (a safe, a secrets manager).

`backup_restore` checks the files against the manifest, restores the dump into an EMPTY
database (refusing one that holds tables), unpacks the files into an empty MEDIA_ROOT,
runs `migrate` (nothing to apply; it sets the application role's privileges again) and
`check_keys` (the configured keys must read the data), then compares the counts and the
audit trail's digest with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections

from governance.archives import check_all, extract_all
from governance.dbroles import SCRATCH_SCHEMA, owner_configured

FORMAT = 1
DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"
CHUNK = 1 << 20
DUMP_OPTIONS = (
    "-Fc",
    "--no-owner",
    "--no-privileges",
    # Imports' staging tables (the application role's, transient): an import not finished
    # at backup time is uploaded again after a restore.
    f"--exclude-table={SCRATCH_SCHEMA}.*",
    # PostGIS's own table (the extension fills it; GridGov adds no reference system).
    "--exclude-table-data=public.spatial_ref_sys",
)


class BackupError(Exception):
    pass


# --- the database ------------------------------------------------------------------------


def _params(alias: str = "default") -> dict:
    """The database of `alias`, as its owner (the owner role when there is one): the dump
    reads every table, the restore creates them."""
    s = dict(connections[alias].settings_dict)
    if owner_configured():
        owner = settings.DATABASE_OWNER
        s.update({k: owner.get(k) or s.get(k) for k in ("USER", "PASSWORD", "HOST", "PORT")})
    return {
        "dbname": s["NAME"],
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
        "host": s["HOST"] or "localhost",
        "port": str(s["PORT"] or 5432),
    }


def _pg_env(p: dict) -> dict:
    env = dict(os.environ)
    env.update({"PGHOST": p["host"], "PGPORT": p["port"], "PGDATABASE": p["dbname"]})
    if p["user"]:
        env["PGUSER"] = p["user"]
    if p["password"]:
        env["PGPASSWORD"] = p["password"]
    return env


def _tables(cur) -> list[str]:
    cur.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys' ORDER BY 1"
    )
    return [r[0] for r in cur.fetchall()]


def database_facts(cur) -> dict:
    """Exact row counts, applied migrations and the audit trail's digest, on a psycopg
    cursor (in the transaction whose snapshot is to be described)."""
    counts = {}
    for table in _tables(cur):
        cur.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cur.fetchone()[0]
    cur.execute("SELECT app, count(*), max(name) FROM django_migrations GROUP BY app ORDER BY app")
    migrations = {app: [n, last] for app, n, last in cur.fetchall()}
    return {"counts": counts, "migrations": migrations, "audit": audit_digest(cur)}


def audit_digest(cur) -> dict:
    """SHA-256 over every audit row in id order (every column, times in UTC): equal
    digests, equal trails."""
    cur.execute("SET LOCAL TIME ZONE 'UTC'")
    digest, rows, last = hashlib.sha256(), 0, None
    with cur.connection.cursor(name="gridgov_audit_digest") as named:
        named.itersize = 10_000
        named.execute(
            "SELECT id, md5(concat_ws('|', id, at, actor_id, actor_name, action, object_type, "
            "object_id, object_repr, changes::text, area_path, ip::text)) "
            "FROM governance_auditlog ORDER BY id"
        )
        for pk, row_md5 in named:
            digest.update(row_md5.encode())
            rows, last = rows + 1, pk
    return {"rows": rows, "last_id": last, "sha256": digest.hexdigest()}


def _key_ids(cur) -> list[dict]:
    cur.execute("SELECT kind, key_id, fingerprint FROM governance_keyfingerprint ORDER BY 1, 2")
    return [{"kind": k, "key_id": i, "fingerprint": f} for k, i, f in cur.fetchall()]


# --- files ------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _local_media() -> Path | None:
    """MEDIA_ROOT when the stored files are on the local disk, else None (object store)."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(settings.MEDIA_ROOT)
    return None


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def keys_write(path: Path, *, root: Path) -> Path:
    """The keys the data needs, as environment lines (mode 0600), never inside `root`."""
    path = Path(path)
    if _is_within(path, root):
        raise BackupError(
            "密钥不能写入备份目录,请另选位置单独保管 / The keys must not be written into the "
            f"backups' folder ({root}); choose a path kept apart from the backups."
        )
    lines = [
        f"FIELD_ENCRYPTION_KEYS={settings.FIELD_ENCRYPTION_KEYS}",
        f"FIELD_ENCRYPTION_ALGORITHM={settings.FIELD_ENCRYPTION_ALGORITHM}",
        f"FIELD_HASH_KEY={settings.FIELD_HASH_KEY}",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


# --- backup -----------------------------------------------------------------------------


def backup_create(*, root: Path, keys_to: Path | None = None, now: datetime | None = None) -> Path:
    """A new backup folder under `root`; returns it."""
    root = Path(root)
    if keys_to is not None and _is_within(Path(keys_to), root):
        keys_write(keys_to, root=root)  # refuses, before anything is written
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = root / stamp
    folder.mkdir(parents=True, exist_ok=False)
    p = _params()
    with psycopg.connect(**p) as conn:
        # One snapshot for the facts and the dump: the counts describe exactly the dump
        # (REPEATABLE READ: every statement of the transaction sees the exported snapshot).
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cur:
            facts = database_facts(cur)
            keys = _key_ids(cur)
            server = conn.execute("SHOW server_version").fetchone()[0]
        dump = subprocess.run(
            ["pg_dump", *DUMP_OPTIONS, f"--snapshot={snapshot}", "-f", str(folder / DUMP)],
            env=_pg_env(p),
            capture_output=True,
            text=True,
        )
        conn.rollback()
    if dump.returncode:
        raise BackupError(f"pg_dump failed: {dump.stderr.strip()}")
    files = {DUMP: {"sha256": _sha256(folder / DUMP), "bytes": (folder / DUMP).stat().st_size}}
    media = _local_media()
    if media is not None:
        # After the dump: a file the dump refers to was there when it was taken (only a
        # file deleted in between — an expired export — can be missing).
        with tarfile.open(folder / MEDIA, "w:gz") as tar:
            if media.exists():
                tar.add(media, arcname=".")
        files[MEDIA] = {"sha256": _sha256(folder / MEDIA), "bytes": (folder / MEDIA).stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": stamp,
        "database": p["dbname"],
        "server_version": server,
        "files": files,
        "media": "local" if media is not None else "object storage (not in this backup)",
        "keys": keys,
        "keys_note": "The encryption keys are not in this backup; restore needs them "
        "(FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY) from where they are kept.",
        **facts,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    if keys_to is not None:
        keys_write(keys_to, root=root)
    return folder


# --- restore ----------------------------------------------------------------------------


def manifest_read(folder: Path) -> dict:
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, meta in manifest["files"].items():
        if _sha256(folder / name) != meta["sha256"]:
            raise BackupError(f"{name}: 校验和不符,备份已损坏 / checksum mismatch, damaged")
    return manifest


@contextmanager
def _connect(p: dict):
    with psycopg.connect(**p, autocommit=True) as conn:
        yield conn


def _database_empty(p: dict) -> bool:
    with _connect(p) as conn, conn.cursor() as cur:
        return not _tables(cur)


def backup_restore(*, folder: Path, media_root: Path | None = None) -> dict:
    """Restore `folder` into the (empty) database of the default connection and the
    (empty) `media_root`; returns what `restore_compare` found."""
    folder = Path(folder)
    manifest = manifest_read(folder)
    p = _params()
    if not _database_empty(p):
        raise BackupError(
            f"目标数据库 {p['dbname']} 不是空的,拒绝恢复 / The database {p['dbname']} is "
            "not empty; restore only into an empty database (scripts/setup-db.sh makes one)."
        )
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if MEDIA in manifest["files"]:
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"文件目录不是空的 / The media folder {media_root} is not empty.")
        # The stored files' archive is checked before the database is touched: an archive
        # that would write outside the folder is refused with nothing restored.
        try:
            with tarfile.open(folder / MEDIA, "r:gz") as tar:
                check_all(tar, media_root)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(
                f"{MEDIA}: 文件归档不安全或已损坏 / unsafe or damaged: {exc}"
            ) from exc
    restore = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--no-comments", "--exit-on-error"]
        + ["-d", p["dbname"], str(folder / DUMP)],
        env=_pg_env(p),
        capture_output=True,
        text=True,
    )
    if restore.returncode:
        raise BackupError(f"pg_restore failed: {restore.stderr.strip()}")
    if MEDIA in manifest["files"]:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / MEDIA, "r:gz") as tar:
            extract_all(tar, media_root)
    return manifest


def restore_compare(manifest: dict) -> list[str]:
    """Differences between the restored database (default connection) and the manifest."""
    p = _params()
    with _connect(p) as conn, conn.transaction(), conn.cursor() as cur:
        facts = database_facts(cur)
    problems = []
    for table, n in manifest["counts"].items():
        if facts["counts"].get(table) != n:
            problems.append(f"{table}: {facts['counts'].get(table)} rows, the backup had {n}")
    if facts["audit"] != manifest["audit"]:
        problems.append(f"audit trail differs: {facts['audit']} vs {manifest['audit']}")
    return problems
