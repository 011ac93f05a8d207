"""The application's database role (docs/security.md): the connection the
application uses cannot change, remove or hide anything of the audit trail, is no
superuser and owns nothing; the owner role's migrations keep it that way.

The whole suite runs as the application role (conftest.py), so every other test is also
a test that the application's ordinary writes work under it."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from governance.dbroles import SCRATCH_SCHEMA, app_role_grant
from governance.models import AuditLog
from governance.roles import Role
from tests.fixtures import NANGUAN

ROOT = Path(__file__).resolve().parents[2]
APP = settings.DATABASE_APP_ROLE
AUDIT = AuditLog._meta.db_table
INSUFFICIENT_PRIVILEGE = "42501"


def _connect(credentials: dict) -> psycopg.Connection:
    """A connection of its own to the test database, logging in with `credentials`."""
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=credentials["USER"],
        password=credentials["PASSWORD"] or None,
        host=credentials["HOST"] or "localhost",
        port=credentials["PORT"] or 5432,
    )


def _app_credentials() -> dict:
    assert connection.settings_dict["USER"] == APP
    return connection.settings_dict


@pytest.fixture
def audit_row(make_user):
    make_user(Role.COUNTY_DISPATCHER, NANGUAN)  # writes role.assign and user.create rows
    return AuditLog.objects.latest("id")


def _refused(cursor, sql: str, params=()) -> str:
    """Run `sql` in a savepoint; it must fail for lack of privilege. Returns the message."""
    with pytest.raises(DatabaseError) as err:
        with transaction.atomic():
            cursor.execute(sql, params)
    cause = err.value.__cause__
    assert getattr(cause, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, (sql, err.value)
    return str(err.value)


@pytest.mark.django_db
def test_the_application_logs_in_as_its_own_role_without_special_attributes():
    assert settings.DATABASE_OWNER and settings.DATABASE_OWNER["USER"] != APP, (
        "tests must run with a separate owner role (DATABASE_OWNER_URL)"
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_user, session_user, r.rolsuper, r.rolcreaterole, "
            "r.rolcreatedb, r.rolreplication, r.rolbypassrls "
            "FROM pg_roles r WHERE r.rolname = current_user"
        )
        assert cur.fetchone() == (APP, APP, False, False, False, False, False)
        # Member of no role (pg_write_all_data, the owner role, ...): nothing inherited.
        cur.execute("SELECT count(*) FROM pg_auth_members WHERE member = current_user::regrole")
        assert cur.fetchone()[0] == 0
        # It owns nothing outside its scratch schema.
        cur.execute(
            "SELECT n.nspname, c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relowner = current_user::regrole AND n.nspname <> %s "
            "AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast%%'",
            [SCRATCH_SCHEMA],
        )
        assert cur.fetchall() == []
        cur.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [AUDIT]
        )
        assert cur.fetchone()[0] == settings.DATABASE_OWNER["USER"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {AUDIT} SET action = 'forged' WHERE id = %(id)s",
        f"DELETE FROM {AUDIT} WHERE id = %(id)s",
        f"TRUNCATE {AUDIT}",
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL",
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER auditlog_no_update_delete",
        f"DROP TRIGGER auditlog_no_update_delete ON {AUDIT}",
        f"DROP TABLE {AUDIT}",
        f"ALTER TABLE {AUDIT} RENAME TO audit_old",
        f"ALTER TABLE {AUDIT} OWNER TO CURRENT_USER",
        "CREATE OR REPLACE FUNCTION governance_auditlog_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "SET LOCAL session_replication_role = replica",
        "SET session_replication_role = replica",
        "CREATE ROLE gridgov_intruder LOGIN SUPERUSER",
        "CREATE ROLE gridgov_intruder",
        "ALTER ROLE CURRENT_USER SUPERUSER",
        "CREATE TABLE public.gridgov_intruder (id integer)",
        "CREATE SCHEMA gridgov_intruder",
        "COPY (SELECT 1) TO PROGRAM 'true'",
    ],
)
def test_the_application_cannot_touch_the_audit_trail_or_escalate(audit_row, sql):
    with connection.cursor() as cur:
        _refused(cur, sql, {"id": audit_row.pk} if "%(" in sql else None)
    assert AuditLog.objects.get(pk=audit_row.pk).action == audit_row.action


@pytest.mark.django_db
def test_the_audit_trail_is_insert_and_select_only_for_the_application():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p, has_table_privilege(%s, %s, p) FROM unnest(ARRAY['SELECT', "
            "'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p",
            [APP, AUDIT],
        )
        assert dict(cur.fetchall()) == {
            "SELECT": True,
            "INSERT": True,
            "UPDATE": False,
            "DELETE": False,
            "TRUNCATE": False,
            "REFERENCES": False,
            "TRIGGER": False,
        }
        cur.execute("SELECT has_column_privilege(%s, %s, 'action', 'UPDATE')", [APP, AUDIT])
        assert cur.fetchone()[0] is False
        # Granting itself more grants nothing (PostgreSQL only warns: no grant option).
        cur.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON {AUDIT} TO CURRENT_USER")
        cur.execute("SELECT has_table_privilege(%s, %s, 'UPDATE, DELETE, TRUNCATE')", [APP, AUDIT])
        assert cur.fetchone()[0] is False


@pytest.mark.django_db
def test_every_other_table_gets_ordinary_dml_and_sequences_usage():
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, c.relkind,
                   has_table_privilege(%(app)s, c.oid, 'SELECT, INSERT, UPDATE, DELETE'),
                   has_table_privilege(%(app)s, c.oid, 'TRUNCATE, REFERENCES, TRIGGER')
            FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
              AND c.relowner <> 'pg_database_owner'::regrole
              AND c.relname NOT IN (%(audit)s, 'django_migrations', 'spatial_ref_sys')""",
            {"app": APP, "audit": AUDIT},
        )
        tables = cur.fetchall()
        assert len(tables) > 30
        assert [t for t in tables if not t[2] or t[3]] == []
        cur.execute(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
              AND NOT (has_sequence_privilege(%(app)s, c.oid, 'USAGE')
                       AND has_sequence_privilege(%(app)s, c.oid, 'SELECT'))""",
            {"app": APP},
        )
        assert cur.fetchall() == []
        cur.execute(
            "SELECT has_table_privilege(%s, 'django_migrations', 'INSERT'), "
            "has_function_privilege(%s, 'grids_locate(float8, float8)', 'EXECUTE')",
            [APP, APP],
        )
        assert cur.fetchone() == (False, True)


@pytest.mark.django_db
def test_a_second_login_as_the_application_role_cannot_silence_the_trigger(audit_row):
    """The finding itself: `SET LOCAL session_replication_role = replica; UPDATE ...`,
    on a connection of its own, as the web and Celery processes open them."""
    with _connect(_app_credentials()) as conn:
        for sql in (
            "SET LOCAL session_replication_role = replica",
            f"UPDATE {AUDIT} SET action = 'forged' WHERE id = %s",
            f"TRUNCATE {AUDIT}",
            f"ALTER TABLE {AUDIT} DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with conn.transaction():
                    conn.execute(sql, [audit_row.pk] if "%s" in sql else [])
        assert conn.execute("SELECT current_user, session_user").fetchone() == (APP, APP)
    assert AuditLog.objects.get(pk=audit_row.pk).action == audit_row.action


@pytest.mark.django_db
def test_tables_the_owner_creates_later_are_usable_at_once():
    """Default privileges: a new table (a migration's) gets DML without a re-grant."""
    with _connect(settings.DATABASE_OWNER) as owner:
        with pytest.raises(_Rollback):
            with owner.transaction():
                owner.execute(
                    "CREATE TABLE dbrole_probe (id bigint GENERATED BY DEFAULT "
                    "AS IDENTITY PRIMARY KEY, v text)"
                )
                row = owner.execute(
                    "SELECT has_table_privilege(%s, 'dbrole_probe', 'SELECT, INSERT, UPDATE, "
                    "DELETE'), has_table_privilege(%s, 'dbrole_probe', 'TRUNCATE'), "
                    "has_sequence_privilege(%s, 'dbrole_probe_id_seq', 'USAGE')",
                    [APP, APP, APP],
                ).fetchone()
                assert row == (True, False, True)
                raise _Rollback


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_the_regrant_takes_back_what_a_migration_granted():
    with _connect(settings.DATABASE_OWNER) as owner:
        with pytest.raises(_Rollback):
            with owner.transaction():
                # A careless migration, or a re-created table picking up the defaults.
                owner.execute(f"GRANT ALL ON {AUDIT} TO {APP}")
                assert owner.execute(
                    "SELECT has_table_privilege(%s, %s, 'UPDATE')", [APP, AUDIT]
                ).fetchone()[0]
                with owner.cursor() as cur:
                    app_role_grant(cur)
                row = owner.execute(
                    "SELECT has_table_privilege(%s, %s, 'UPDATE'), "
                    "has_table_privilege(%s, %s, 'TRUNCATE'), "
                    "has_table_privilege(%s, %s, 'INSERT')",
                    [APP, AUDIT] * 3,
                ).fetchone()
                assert row == (False, False, True)
                raise _Rollback


def _url(credentials: dict, name: str) -> str:
    password = f":{quote(credentials['PASSWORD'], safe='')}" if credentials["PASSWORD"] else ""
    return (
        f"postgis://{quote(credentials['USER'], safe='')}{password}@"
        f"{credentials['HOST'] or 'localhost'}:{credentials['PORT'] or 5432}/{name}"
    )


def test_manage_py_migrate_runs_as_the_owner_and_restores_the_restriction(
    django_db_setup, django_db_blocker
):
    """The real command, in its own process, as `make db` and the docker `migrate` service
    run it: it switches to the owner role and re-grants, whatever was granted before."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        app = dict(_app_credentials())
    with _connect(settings.DATABASE_OWNER) as owner:
        owner.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON {AUDIT} TO {APP}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="governance.settings.dev",
        READ_DOT_ENV="0",
        DATABASE_URL=_url(app, name),
        DATABASE_OWNER_URL=_url(settings.DATABASE_OWNER, name),
    )
    r = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "application role's privileges set" in r.stdout
    with _connect(app) as conn:
        row = conn.execute(
            "SELECT has_table_privilege(current_user, %s, 'UPDATE'), "
            "has_table_privilege(current_user, %s, 'TRUNCATE'), "
            "has_table_privilege(current_user, %s, 'INSERT')",
            [AUDIT] * 3,
        ).fetchone()
    assert row == (False, False, True)
