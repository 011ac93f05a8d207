"""A Celery worker keeps its database connection from task to task, and replaces it when
it breaks (governance/celery.py). Celery's Django fixup closed every connection before and
after each task (and the whole pool in production), so every task opened a new
PostgreSQL connection — a new backend with cold caches — on both sides.

A real worker process (tests/worker_process.py), its tasks asked for the PostgreSQL
backend they ran on; then that backend is terminated, as a PostgreSQL restart would."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.worker_process import WorkerProcess, private_queue

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = "tests.poison_tasks.backend_pid_task"
ROOT = Path(__file__).resolve().parent.parent


def test_the_connection_is_kept_between_tasks_and_replaced_when_broken(monkeypatch, tmp_path):
    from governance.celery import app

    with private_queue(monkeypatch, PROBE) as queue:
        worker = WorkerProcess(queue, tmp_path / "worker.log", include="tests.poison_tasks")
        worker.start()
        try:
            first = app.send_task(PROBE).get(timeout=60)
            again = [app.send_task(PROBE).get(timeout=30) for _ in range(3)]
            assert again == [first] * 3, worker.output()  # one backend for every task
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [first])
                assert cursor.fetchone()[0] is True
            after = app.send_task(PROBE).get(timeout=30)  # not a failure: a new connection
            assert after != first and app.send_task(PROBE).get(timeout=30) == after
        finally:
            worker.stop()
    assert "Traceback" not in worker.output(), worker.output()


@pytest.mark.parametrize(
    ("argv", "pooled"),
    [
        (["/srv/.venv/bin/celery", "-A", "governance", "worker", "-Q", "batch"], False),
        (
            ["/usr/lib/python3/site-packages/celery/__main__.py", "-A", "governance", "worker"],
            False,
        ),
        (["/srv/.venv/bin/celery", "-A", "governance", "beat"], True),
        (["/srv/.venv/bin/gunicorn", "governance.wsgi:application", "-w", "4"], True),
    ],
)
def test_production_pools_connections_except_in_celery_workers(argv, pooled):
    """settings/prod.py: a pool for the threaded web workers and beat; a persistent
    connection for each Celery worker process (one task at a time)."""
    code = (
        f"import sys; sys.argv = {argv!r}; import json, django; django.setup(); "
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps([bool(d['OPTIONS'].get('pool')), d['CONN_MAX_AGE'], "
        "d['CONN_HEALTH_CHECKS'], s.CELERY_WORKER_PROCESS]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "governance.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "READ_DOT_ENV": "0",
        "DATABASE_URL": "postgis://gridgov_app:pw@db1:5432/gridgov",
        "ALLOWED_HOSTS": "gridgov.example.cn",
    }
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr[-2000:]
    pool, max_age, checks, worker = json.loads(r.stdout.strip().splitlines()[-1])
    assert (pool, worker) == (pooled, not pooled) and checks is True
    assert max_age == (0 if pooled else 60)
