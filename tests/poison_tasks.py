"""Tasks for the tests' real worker processes only (tests/worker_process.py imports them
with `--include tests.poison_tasks`): one that kills its own worker process
(tests/test_worker_killed.py), one that names its database backend
(tests/test_worker_connections.py)."""

import os
import signal

from celery import shared_task


@shared_task
def kill_own_worker_task():
    os.kill(os.getpid(), signal.SIGKILL)


@shared_task
def backend_pid_task():
    """The PostgreSQL backend serving this task's connection (tests/test_worker_connections.py)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
