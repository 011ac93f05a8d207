"""PostgreSQL going away under a running GridGov: while it cannot be reached every page
and API request answers 503 with the message (Chinese, or English for English users),
JSON `{"detail", "code": "database_unavailable"}` under the API; once it is back the
same process answers 200 again, without a restart.

The outage is real: every connection of the application's role to the test database is
terminated (pg_terminate_backend — what a restart does to them) and new connections are
refused (ALTER DATABASE … ALLOW_CONNECTIONS false, as while the server starts up), for
requests in this process and, under load, for a live server answering 8 clients at once.
Transactional: the requests' connections must see committed data, and are killed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from psycopg import sql
from rest_framework.authtoken.models import Token

from governance import backup
from governance.dbroles import owner_configured
from governance.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "数据库暂时无法访问"


def _connect(credentials: dict) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=credentials["USER"],
        password=credentials.get("PASSWORD") or None,
        host=s["HOST"] or "localhost",
        port=s["PORT"] or 5432,
        autocommit=True,
    )


def _allow_connections(allow: bool) -> None:
    """As the database's owner (the owner role, or the one role)."""
    owner = settings.DATABASE_OWNER if owner_configured() else connection.settings_dict
    with _connect(owner) as c:
        c.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), sql.Literal(allow)
            )
        )


@contextmanager
def database_down():
    """Refuse new connections and kill the application's open ones; restored after."""
    name = connection.settings_dict["NAME"]
    _allow_connections(False)
    try:
        with _connect(connection.settings_dict) as c:  # the application role: its own
            c.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND usename = current_user",
                [name],
            )
        yield
    finally:
        _allow_connections(True)


@pytest.fixture
def leader(demo_areas, make_user, first_grid):
    """A grid worker (personal API tokens are for roles without two-factor login)."""
    return make_user(Role.GRID_WORKER, first_grid("220102").code, "down_worker")


def test_pages_and_api_answer_503_while_the_database_is_down_and_200_after(leader, client):
    token = Token.objects.create(user=leader).key
    client.force_login(leader)
    client.raise_request_exception = False  # answered like any client sees it
    api = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/areas/?limit=1", **api).status_code == 200

    with database_down():
        page = client.get("/")
        assert page.status_code == 503 and page["Retry-After"] == "30"
        text = page.content.decode()
        assert MESSAGE in text and "temporarily unavailable" in text
        response = client.get("/api/v1/areas/?limit=1", **api)
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert MESSAGE in response.json()["detail"]
        # A write too (the session and the guard read the database first).
        assert client.post("/notifications/", {}).status_code == 503
        english = client.get("/api/v1/areas/?limit=1", HTTP_ACCEPT_LANGUAGE="en", **api)
        assert english.status_code == 503
        assert "temporarily unavailable" in english.json()["detail"]

    # Back: the same process serves again. A server's request handler drops a dead
    # connection at the start of each request (close_old_connections, with the health
    # check); Django's test client leaves that out, so it is done here.
    close_old_connections()
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/areas/?limit=1", **api).status_code == 200


def test_under_load_a_restart_gives_503s_never_500s_and_service_resumes(leader, live_server):
    token = Token.objects.create(user=leader).key
    url = f"{live_server.url}/api/v1/areas/?limit=5"
    phase = {"now": "before"}
    seen: dict[str, list[int]] = {"before": [], "between": [], "down": [], "after": []}
    bodies: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop():
        while not stop.is_set():
            current = phase["now"]
            request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
                if status == 503:
                    with lock:
                        bodies.append(e.read().decode())
            with lock:
                if phase["now"] == current:  # not straddling a switch
                    seen[current].append(status)
            time.sleep(0.01)

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        phase["now"] = "between"  # requests straddling a switch are not counted
        with database_down():
            phase["now"] = "down"
            time.sleep(3)
            phase["now"] = "between"
        time.sleep(1)
        phase["now"] = "after"
        time.sleep(2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    assert seen["before"] and set(seen["before"]) == {200}
    assert len(seen["down"]) >= 8 and set(seen["down"]) == {503}, seen["down"]
    assert bodies and all('"database_unavailable"' in b for b in bodies)
    assert len(seen["after"]) >= 8 and set(seen["after"]) == {200}, seen["after"]


# --- a real restart: a PostgreSQL server of the test's own, stopped and started -----------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    """A port nothing listens on (55432 if free): suites may run side by side."""
    for candidate in (55432, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


@contextmanager
def throwaway_server(tmp_path):
    """A PostgreSQL cluster of this test (initdb as the postgres user, trust on the loopback,
    a free port) holding a copy of the test database; yields (database, port, restart)."""
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists():
        pytest.skip("needs root (to run initdb as postgres) and PostgreSQL 15's binaries")
    # Outside pytest's own temporary folder, which the postgres user may not enter.
    home = Path(tempfile.mkdtemp(prefix="gridgov-pg-"))
    data = home / "pgdata"
    data.mkdir()
    shutil.chown(home, "postgres")
    shutil.chown(data, "postgres")

    def pg(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    def ctl(*args):
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(home / "pg.log"), "-w", *args)

    pg(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    port = _free_port()
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl("-o", options, "start")
    try:
        name = "gridgov_restart"
        dump = tmp_path / "copy.dump"
        source = backup._params()
        subprocess.run(
            ["pg_dump", *backup.DUMP_OPTIONS, "-f", str(dump)],
            env=backup._pg_env(source),
            check=True,
            capture_output=True,
        )
        target = {"host": "127.0.0.1", "port": str(port), "user": "postgres", "password": None}
        with psycopg.connect(dbname="postgres", **target, autocommit=True) as c:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(dbname=name, **target, autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--no-comments", "-d", name]
            + [str(dump)],
            env=backup._pg_env({**target, "dbname": name}),
            check=True,
            capture_output=True,
        )
        yield name, port, lambda: ctl("-o", options, "-m", "fast", "restart")
    finally:
        ctl("-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def served_from(name: str, port: int):
    """Every thread's connections (the live server's too) on the throwaway server."""
    conn = connections["default"]
    keys = ("NAME", "HOST", "PORT", "USER", "PASSWORD")
    before = {k: conn.settings_dict[k] for k in keys}
    conn.close()
    conn.settings_dict.update(
        {"NAME": name, "HOST": "127.0.0.1", "PORT": str(port), "USER": "postgres", "PASSWORD": ""}
    )
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(before)


def test_postgresql_restarted_under_load_503_then_back_without_restarting_gridgov(
    leader, live_server, tmp_path
):
    token = Token.objects.create(user=leader).key
    url = f"{live_server.url}/api/v1/areas/?limit=5"
    statuses: list[tuple[float, int]] = []
    lock, stop = threading.Lock(), threading.Event()

    def client_loop():
        while not stop.is_set():
            request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            with lock:
                statuses.append((time.monotonic(), status))
            time.sleep(0.02)

    with throwaway_server(tmp_path) as (name, port, restart), served_from(name, port):
        threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(8)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.5)
            restart_began = time.monotonic()
            restart()  # pg_ctl restart -m fast: every connection dropped, then back
            restarted = time.monotonic()
            time.sleep(3)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)

    before = [s for at, s in statuses if at < restart_began]
    during = [s for at, s in statuses if restart_began <= at <= restarted + 0.5]
    after = [s for at, s in statuses if at > restarted + 1]
    assert before and set(before) == {200}
    assert set(during) <= {200, 503} and 503 in {s for _at, s in statuses}, during
    assert len(after) >= 8 and set(after) == {200}, after
