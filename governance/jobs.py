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

from celery import Task
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
                except DatabaseError:  # the database restarting: reconnect next time
                    logger.warning("heartbeat of %s failed", queryset.model.__name__)
                    connection.close()
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


class GuardedTask(Task):
    """Every GridGov task's class (governance/celery.py). A message whose task kills its
    worker every time (out of memory on a too-large job) would be put back and taken up
    for ever — late acknowledgement with `task_reject_on_worker_lost`. Each redelivery of
    a message is counted (in the cache, by task id, for a day); past
    TASK_MAX_REDELIVERIES the message is dropped with an error in the log. A job with a
    state row is then ended by its sweeper with the reason (imports: JOB_MAX_ATTEMPTS)."""

    def __call__(self, *args, **kwargs):
        request = self.request
        if not request.is_eager and (request.delivery_info or {}).get("redelivered"):
            deliveries = _redeliveries(request.id)
            if deliveries > settings.TASK_MAX_REDELIVERIES:
                logger.error(
                    "task %s[%s] given up: redelivered %d times (its worker died each time)",
                    self.name,
                    request.id,
                    deliveries,
                )
                return None
        return super().__call__(*args, **kwargs)


def _redeliveries(task_id: str) -> int:
    from django.core.cache import cache

    key = f"celery-redeliveries:{task_id}"
    try:
        cache.add(key, 0, timeout=24 * 3600)
        return cache.incr(key)
    except Exception:  # noqa: BLE001 - no cache: never refuse a task for it
        logger.warning("could not count the redeliveries of task %s", task_id)
        return 0
