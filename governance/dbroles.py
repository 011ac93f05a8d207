"""The application's database role and the owner role (docs/security.md).

The application connects as DATABASE_URL's role, which owns nothing: it cannot alter,
truncate or disable the triggers of a table, and has only SELECT and INSERT on the audit
trail. The tables, sequences and functions belong to the owner role (DATABASE_OWNER_URL):
`manage.py migrate` and `manage.py flush` switch the connection to it for their run
(governance/management/commands/), and `migrate` ends with `app_role_grant()`, which sets
the application role's privileges to exactly what it needs. Default privileges make
tables the owner creates later usable at once; the re-grant after every migration keeps
the audit trail's restriction whatever a migration did.

The one thing the application creates and drops at run time, an import's staging table
(collection/importing/staging.py), lives in the SCRATCH_SCHEMA, where the application
role may create tables (it owns those and nothing else). Temporary tables need only the
database's TEMPORARY privilege.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

SCRATCH_SCHEMA = "scratch"
# Rows are added, never changed: the application role may only INSERT and SELECT.
APPEND_ONLY_MODELS = ("governance.AuditLog",)
# Written by migrations only.
READ_ONLY_TABLES = ("django_migrations",)

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
TABLE_DML = "SELECT, INSERT, UPDATE, DELETE"


def owner_configured() -> bool:
    owner = settings.DATABASE_OWNER
    return bool(owner) and owner["USER"] != settings.DATABASE_APP_ROLE


def _switch(alias: str, credentials: dict) -> dict:
    """Point `alias` at other credentials (same database); returns the previous ones.
    Connections of every thread read the same settings dict, so the live server and an
    in-process Celery worker follow too."""
    conn = connections[alias]
    if conn.in_atomic_block:
        raise RuntimeError("cannot switch database roles inside a transaction")
    previous = {k: conn.settings_dict.get(k) for k in _CREDENTIALS}
    conn.close()
    conn.settings_dict.update({k: credentials.get(k) or "" for k in _CREDENTIALS})
    return previous


def connect_as_owner(alias: str = "default") -> dict | None:
    """Switch `alias` to the owner role (no-op with one role); returns what to restore."""
    if (
        not owner_configured()
        or connections[alias].settings_dict["USER"] == (settings.DATABASE_OWNER["USER"])
    ):
        return None
    return _switch(alias, settings.DATABASE_OWNER)


def connect_as(alias: str, credentials: dict | None) -> None:
    if credentials is not None:
        _switch(alias, credentials)


@contextmanager
def owner_connection(alias: str = "default"):
    """Run the block with `alias` connected as the owner role."""
    previous = connect_as_owner(alias)
    try:
        yield connections[alias]
    finally:
        connect_as(alias, previous)


def _names(cursor, sql: str, params=()) -> list[str]:
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


# Objects of the schema that the connected role may grant on (it owns them, or is a
# superuser), leaving out those of extensions (PostGIS: granted to PUBLIC by itself).
_OWN_RELATIONS = """
SELECT c.oid::regclass::text FROM pg_class c
WHERE c.relnamespace = %s::regnamespace AND c.relkind = ANY(%s)
  AND pg_has_role(current_user, c.relowner, 'USAGE')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1"""
_OWN_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = %s::regnamespace AND p.prokind IN ('f', 'p')
  AND pg_has_role(current_user, p.proowner, 'USAGE')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1"""


def _qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_role_grant(cur, schema: str = "public") -> list[str]:
    """Set the application role's privileges on the objects of `schema` to exactly what
    it needs; run as the owner after every migration, on a DB-API cursor (Django's or
    psycopg's). Returns the statements run (none when one role does everything)."""
    app = settings.DATABASE_APP_ROLE
    statements: list[str] = []
    cur.execute("SELECT current_user, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [app])
    me, app_exists = cur.fetchone()
    if me == app:
        return statements
    if not app_exists:
        logger.warning(
            "database role %s does not exist: no privileges granted (run scripts/setup-db.sh)", app
        )
        return statements
    role = _qn(app)
    append_only = {apps.get_model(label)._meta.db_table for label in APPEND_ONLY_MODELS}
    tables = _names(cur, _OWN_RELATIONS, [schema, ["r", "p", "v", "m", "f"]])
    sequences = _names(cur, _OWN_RELATIONS, [schema, ["S"]])
    functions = _names(cur, _OWN_FUNCTIONS, [schema])
    # regclass::text leaves out the schema on the search path and quotes as needed.
    bare = {t: t.split(".")[-1].strip('"') for t in tables}
    ordinary = [t for t in tables if bare[t] not in append_only | set(READ_ONLY_TABLES)]
    kept = [t for t in tables if bare[t] in append_only]
    read_only = [t for t in tables if bare[t] in READ_ONLY_TABLES]

    statements += [
        # Whatever the owner creates from now on is usable by the application at once.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_qn(schema)} GRANT {TABLE_DML} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_qn(schema)} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_qn(schema)} GRANT EXECUTE ON FUNCTIONS TO {role}",
    ]
    # REVOKE ALL first: exactly these privileges, whatever was granted before (no
    # TRUNCATE, REFERENCES or TRIGGER anywhere).
    for kind, names, privileges in (
        ("TABLE", ordinary, TABLE_DML),
        ("TABLE", kept, "SELECT, INSERT"),
        ("TABLE", read_only, "SELECT"),
        ("SEQUENCE", sequences, "USAGE, SELECT"),
    ):
        if names:
            listed = ", ".join(names)
            statements.append(f"REVOKE ALL ON {kind} {listed} FROM {role}")
            statements.append(f"GRANT {privileges} ON {kind} {listed} TO {role}")
    if kept:
        statements.append(f"REVOKE ALL ON TABLE {', '.join(kept)} FROM PUBLIC")
    if functions:
        statements.append(f"GRANT EXECUTE ON FUNCTION {', '.join(functions)} TO {role}")
    cur.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) "
        "AND pg_has_role(current_user, nspowner, 'USAGE')",
        [[schema, SCRATCH_SCHEMA]],
    )
    owned_schemas = {row[0] for row in cur.fetchall()}
    if schema in owned_schemas:
        statements.append(f"GRANT USAGE ON SCHEMA {_qn(schema)} TO {role}")
    if SCRATCH_SCHEMA in owned_schemas:
        # Import staging tables: created, filled and dropped by the application.
        statements.append(f"GRANT USAGE, CREATE ON SCHEMA {_qn(SCRATCH_SCHEMA)} TO {role}")
    for sql in statements:
        cur.execute(sql)
    return statements
