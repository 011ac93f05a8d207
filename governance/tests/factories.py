"""Shared helpers of the kernel's tests (plain functions; the fixtures every app uses —
areas, make_user, clients — are in tests/fixtures.py)."""

import os
import uuid
from contextlib import contextmanager

import psycopg
from django.db import connection

from governance.celery import app


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a subprocess running the production settings against the test
    database (the tests' role): what the pool and the settings do in production."""
    db = connection.settings_dict
    url = (
        f"postgis://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="governance.settings.prod", DATABASE_URL=url, DATABASE_OWNER_URL=""
    )
    env.update(overrides)
    return env


def other_connection() -> psycopg.Connection:
    """A second, real connection to the test database (another writer or reader, which
    commits on its own); the caller closes it."""
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        host=s["HOST"] or "localhost",
        port=s["PORT"] or 5432,
        password=s["PASSWORD"] or None,
    )


@contextmanager
def private_task_queue(monkeypatch, task: str, prefix: str):
    """Route `task` to a queue of this test only, so that no other worker on the same
    Redis database takes it and no stale message reaches this test's worker; yields the
    queue's name (for `start_worker(..., queues=[...])`)."""
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.conf, "task_routes", {task: {"queue": queue}})
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    # Leave the test session's logging alone.
    monkeypatch.setitem(app.conf, "worker_hijack_root_logger", False)
    # The worker's Django fixup would run the system checks, which other tests cover.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    yield queue
    monkeypatch.undo()
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    # The worker selected the queue to consume from on the app itself: a later worker
    # started without `queues` (events/tests/test_celery.py) must consume the default.
    app.amqp.queues._consume_from = None
