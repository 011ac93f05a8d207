"""One queued drain serves every write committed before it starts.

Every transaction that writes outbox messages or rollup deltas queues a drain after its
commit (governance/outbox.py, governance/figures.py). A drain applies *everything*
committed before it reads, so a second drain queued while the first is still waiting in
the queue does nothing the first will not do. Under load (the load test: ~8 writes a
second) one drain per write kept the interactive workers busy with drains that found
nothing left. Now a write queues a drain only when none is waiting: a mark in Redis is
set when one is queued (SET NX with a short expiry) and cleared by the drain as its first
step, before it reads — so a write that commits after that step queues the next one.

The drain is queued to start DRAIN_COALESCE_SECONDS after the first write (half a second
by default): at a few writes a second a drain took longer than the gap between writes, so
nearly every write still queued its own (369 outbox drains for ~400 writes in the load
test); the short wait lets the writes of that half second share one. Webhooks, the
cockpit's live feed and the rollups follow a write that much later; 0 restores "at once".

Nothing is lost when the mark outlives its drain (a worker killed before the task
started): it expires after `seconds`, and beat drains both every few seconds anyway. If
Redis does not answer, the drain is queued as before."""

from __future__ import annotations

import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

PREFIX = "drain-queued:"


def queue_drain(task_name: str, seconds: int = 10) -> bool:
    """Queue the task unless one is already waiting; whether it was queued."""
    try:
        first = cache.add(PREFIX + task_name, 1, timeout=seconds)
    except Exception:  # the cache is Redis: down, the broker probably is too
        logger.warning("drain mark unavailable; queuing %s anyway", task_name, exc_info=True)
        first = True
    if first:
        delay = settings.DRAIN_COALESCE_SECONDS
        task = current_app.tasks[task_name]
        if delay > 0:
            task.apply_async(countdown=delay)
        else:
            task.delay()
    return first


def drain_started(task_name: str) -> None:
    """Called by the drain before it reads: later writes queue a drain of their own."""
    try:
        cache.delete(PREFIX + task_name)
    except Exception:
        logger.warning("drain mark not cleared for %s", task_name, exc_info=True)
