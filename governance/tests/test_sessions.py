"""Sessions under load (docs/performance.md, "Load"): the idle timeout slides with
activity without a database write on every request (SessionRefreshMiddleware), and the
production settings lend database connections from a pool."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.middleware import SESSION_REFRESHED_KEY
from governance.tests.factories import production_env

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/notifications/"


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def _get(client, url=PAGE):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    return r, _session_writes(ctx.captured_queries)


def test_a_get_does_not_write_the_session(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    client.get(PAGE)  # the first request after the login marks the session refreshed
    for _ in range(3):
        r, writes = _get(client)
        assert r.status_code == 200
        assert writes == []


def test_the_expiry_slides_once_the_refresh_interval_has_passed(
    client, nanguan_dispatcher, settings
):
    client.force_login(nanguan_dispatcher)
    client.get(PAGE)
    key = client.session.session_key
    stored = Session.objects.get(pk=key)
    # The last push was longer ago than the interval, and the expiry is near.
    data = stored.get_decoded()
    data[SESSION_REFRESHED_KEY] -= settings.SESSION_REFRESH_SECONDS + 1
    near = timezone.now() + timedelta(minutes=2)
    Session.objects.filter(pk=key).update(
        session_data=Session.objects.encode(data), expire_date=near
    )
    r, writes = _get(client)
    assert r.status_code == 200 and len(writes) == 1
    expire = Session.objects.get(pk=key).expire_date
    assert expire > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    r, writes = _get(client)  # and not again within the interval
    assert writes == []


def test_idle_timeout_is_never_later_than_the_rule(settings):
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert 0 < settings.SESSION_REFRESH_SECONDS <= 60
    assert "governance.middleware.SessionRefreshMiddleware" in settings.MIDDLEWARE
    i = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[i + 1] == "governance.middleware.SessionRefreshMiddleware"


def test_anonymous_requests_write_no_session(client, db):
    before = Session.objects.count()
    r, writes = _get(client, "/accounts/login/")
    assert r.status_code == 200 and writes == []
    assert Session.objects.count() == before


def test_a_session_changed_by_the_request_is_still_saved(client, nanguan_dispatcher):
    """Logging out, switching language …: what the request changes is stored at once."""
    client.force_login(nanguan_dispatcher)
    client.get(PAGE)
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=key).exists()
    assert client.get(PAGE).status_code == 302


def test_idle_session_is_still_logged_out(client, nanguan_dispatcher):
    client.force_login(nanguan_dispatcher)
    client.get(PAGE)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(PAGE).status_code == 302


# --- the connection pool of the production settings -------------------------------------


PROBE = """
import json, threading
import django
django.setup()
from django.conf import settings
from django.db import connection, connections

db = settings.DATABASES["default"]
pids = []

def request():
    # What a request does: use the connection, then close it at the end (to the pool).
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pids.append(c.fetchone()[0])
    connections.close_all()

for _ in range(5):
    t = threading.Thread(target=request)
    t.start()
    t.join()
print(json.dumps({"conn_max_age": db["CONN_MAX_AGE"], "pool": db["OPTIONS"].get("pool"),
                  "health": db["CONN_HEALTH_CHECKS"], "pids": pids}, default=str))
"""


@pytest.mark.django_db
def test_production_settings_lend_connections_from_a_pool():
    """Five requests on five threads, one after the other, are served by the pool's
    connections (a returned connection is reset in the background, so the next request
    may take the pool's second one), not by one new connection per thread or request."""
    env = production_env(DATABASE_POOL_MIN="1")
    r = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["conn_max_age"] == 0  # Django refuses a pool with persistent connections
    assert out["health"] is True
    assert out["pool"]["max_size"] >= 4
    assert len(out["pids"]) == 5 and len(set(out["pids"])) <= 2, out["pids"]
