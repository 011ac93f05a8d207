"""The cockpit's live feed (server-sent events, up to 25 s a response, mostly waiting on
Redis) does not hold a pooled database connection while it streams (governance/pool.py).

In production a process has 16 request threads and a pool of DATABASE_POOL_MAX (8)
connections. Django gives a request's connection back when the response is closed — for
a stream, after its last chunk — so as many open cockpit screens on one worker as the
pool's size left every other request of that worker waiting DATABASE_POOL_TIMEOUT for a
connection, then answering 503.

Run in a separate process with the production settings and a pool of 2 (2 s to wait),
through the real WSGI handler as gunicorn drives it (the response closed after its last
chunk): two feeds open, and one of them reads the database for a new entry (the per-batch
visibility check), while an ordinary request (an API read) is made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from governance.tests.factories import production_env

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, os, sys, threading, time
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test.client import FakePayload
from cockpit import live
from governance.models import RoleAssignment
from governance.roles import Role
from grids.models import Area

User = get_user_model()
county = Area.objects.get(code="220102000000")
user = User.objects.create(username=f"live-pool-{os.getpid()}", is_active=True)
RoleAssignment.objects.create(user=user, role=Role.COUNTY_DISPATCHER, area=county)
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
cookie = f"{settings.SESSION_COOKIE_NAME}={s.session_key}"
connections.close_all()  # back to the pool
app = get_wsgi_application()


def environ(path, query=""):
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "443", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https",
        "HTTP_X_FORWARDED_PROTO": "https", "wsgi.input": FakePayload(b""),
        "wsgi.errors": sys.stderr, "HTTP_COOKIE": cookie, "REMOTE_ADDR": "127.0.0.1",
    }


def call(path, query=""):
    status = []
    body = app(environ(path, query), lambda st, headers, exc=None: status.append(st))
    return status[0], body


opened, checked, release = threading.Semaphore(0), threading.Semaphore(0), threading.Event()
feeds, chunks = [], []


def feed():
    st, body = call("/cockpit/live/", "area=" + county.code)
    it = iter(body)
    feeds.append((st, next(it)[:6].decode()))  # "retry:": the stream has started
    opened.release()
    for chunk in it:  # until the new entry has been checked against the database
        if chunk.startswith(b"id: "):
            chunks.append(chunk.decode())
            checked.release()
            break
    release.wait(30)
    body.close()  # what gunicorn does after the last chunk


def page():
    # An API read (the database, no static files: a fresh checkout has no collected
    # static manifest for the production storage).
    t0 = time.monotonic()
    st, body = call("/api/v1/areas/", "limit=1")
    b"".join(body)
    body.close()
    return st, round(time.monotonic() - t0, 1)


out = {}
try:
    threads = [threading.Thread(target=feed) for _ in range(2)]
    for t in threads:
        t.start()
    for _ in threads:
        opened.acquire(timeout=30)
    out["feeds"] = feeds
    out["after_open"] = page()
    live.live_push({"number": "SJ-POOL-PROBE", "area_path": county.path + "x/"}, -os.getpid())
    for _ in threads:
        checked.acquire(timeout=30)
    out["chunks"] = chunks
    out["after_check"] = page()
    release.set()
    for t in threads:
        t.join(30)
    out["after_close"] = page()
finally:
    user.delete()
    SessionStore(session_key=s.session_key).delete()
    connections.close_all()
print(json.dumps(out))
"""


@pytest.mark.django_db
def test_open_live_feeds_leave_the_pool_to_other_requests():
    env = production_env(
        DATABASE_POOL_MIN="1",
        DATABASE_POOL_MAX="2",
        DATABASE_POOL_TIMEOUT="2",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
        REDIS_URL=settings.REDIS_URL,
    )
    r = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert [st for st, first in out["feeds"]] == ["200 OK", "200 OK"], out
    assert all(first == "retry:" for _st, first in out["feeds"]), out
    # Both feeds read the new entry and checked it against the database (not visible to
    # this user: only the cursor moves on).
    assert len(out["chunks"]) == 2, out
    # With the pool's two connections "in use" by two open feeds, a request waited 2 s and
    # answered 503; now each answers at once, while the feeds are open and after.
    for moment in ("after_open", "after_check", "after_close"):
        status, seconds = out[moment]
        assert status == "200 OK" and seconds < 1.5, (moment, out)
