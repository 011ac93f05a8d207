"""A real Celery worker in its own process (`celery -A governance worker`), on the test
database and the test Redis database, that a test can kill with SIGKILL — the whole
worker, parent and pool, as when a machine or container dies.

The worker consumes a queue of the test only (`private_queue`); the tasks named are
routed there for the test's duration, so no stale message of another test reaches it.
The broker's visibility timeout is a few seconds, so that a message left unacknowledged
by a killed worker comes back within the test (production: 300 s, settings/base.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from governance.celery import app

ROOT = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 4


def database_url() -> str:
    """The test database as the role the tests run as (the application role)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "localhost"
    port = s.get("PORT") or "5432"
    return f"postgis://{auth}@{host}:{port}/{s['NAME']}"


@contextmanager
def private_queue(monkeypatch, *tasks: str):
    """Route `tasks` to a queue of this test only; yields its name."""
    queue = f"killtest-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.conf, "task_routes", {t: {"queue": queue} for t in tasks})
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    yield queue
    monkeypatch.undo()
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    with app.connection_for_write() as conn:  # what a killed worker left behind
        conn.default_channel.queue_purge(queue)


class WorkerProcess:
    def __init__(self, queue: str, log: Path, include: str = "", **env: str):
        self.queue, self.log, self.include, self.extra_env = queue, log, include, env
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            DJANGO_SETTINGS_MODULE="governance.settings.test",
            DATABASE_URL=database_url(),
            DATABASE_OWNER_URL="",
            TEST_REDIS_URL=settings.REDIS_URL,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            TASK_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            JOB_HEARTBEAT_SECONDS="1",
            CELERY_SKIP_CHECKS="1",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> WorkerProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "governance",
                "worker",
                "-P",
                "prefork",
                "-c",
                "1",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:4]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
                *(["--include", self.include] if self.include else []),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole
        )
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its pool processes: no shutdown, no ack."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
