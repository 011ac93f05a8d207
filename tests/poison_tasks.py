"""A task that kills its own worker process, for tests/test_worker_killed.py only (the
test's worker process imports it with `--include tests.poison_tasks`)."""

import os
import signal

from celery import shared_task


@shared_task
def kill_own_worker_task():
    os.kill(os.getpid(), signal.SIGKILL)
