"""Heartbeats of long jobs run by Celery workers.

A job with a state row (an import: validating, applying) is claimed by a worker with a
conditional UPDATE. If that worker dies (SIGKILL, out of memory, machine lost), the row
would say "running" for ever. While the job runs, a thread of the worker's process
writes the time into the row's heartbeat column every JOB_HEARTBEAT_SECONDS; the thread
dies with the process, so a heartbeat older than JOB_STALE_SECONDS means nobody works
on the job any more, and the app's sweeper (a beat task) queues it again or ends it.

The heartbeat is a thread with its own database connection, not progress written by the
job itself, because one SQL statement of a job (an import's merge) may run for minutes.
When the job holds its own row locked (a merge under SELECT … FOR UPDATE), the heartbeat
skips it (SKIP LOCKED: it never waits, so it can never deadlock with its own job), and
the sweepers skip such rows too: a lock is held only by a live transaction — a dead
worker's connection is gone, and its locks with it.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def stale_before(now=None):
    """Heartbeats older than this belong to dead workers."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_SECONDS)


@contextmanager
def heartbeat(queryset, field: str = "heartbeat_at"):
    """Write now() into `field` of the rows of `queryset` every JOB_HEARTBEAT_SECONDS
    until the block ends (and once at once)."""
    stop = threading.Event()
    interval = max(0.2, float(settings.JOB_HEARTBEAT_SECONDS))

    def beat():
        try:
            while True:
                try:
                    with transaction.atomic():
                        free = queryset.select_for_update(skip_locked=True).values("pk")
                        queryset.model._base_manager.filter(pk__in=free).update(
                            **{field: timezone.now()}
                        )
                except DatabaseError:  # the database restarting: try again next time
                    logger.warning("heartbeat of %s failed", queryset.model.__name__)
                if stop.wait(interval):
                    return
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
