"""The kernel's transactional outbox: side effects of a write, after its commit.

A service records what happened with `outbox_emit(topic=..., payload=...)` inside its
own transaction: the message is a row (`OutboxMessage`) that commits or rolls back
with the change it reports. After the commit a Celery task drains the outbox and hands
each message to the subscribers of its topic; Celery beat drains it periodically too,
so a message whose task was lost (broker down, worker killed) is still delivered.

Subscribers are registered by the apps above the kernel, in their `AppConfig.ready()`:

    outbox.subscribe("event", publish_event_webhooks)   # "event" and "event.*"

so the kernel never imports them. A handler receives the `OutboxMessage` (topic,
payload, area_path, departments) and must be idempotent: delivery is at-least-once.
Each handler runs in its own transaction together with the record that it has handled
the message (`delivered_to`): a handler that fails is retried later, alone, and the
ones that succeeded are not run again. Per subscriber and topic, messages are handled
in the order they were written: after a failure the subscriber's later messages of the
same topic wait for the failed one.

A subscriber whose work is cheaper for many messages at once (one statement for all the
cases of a drain instead of one per case) subscribes with `batch=True`: its handler then
receives a list of messages — every due message of a drain's page that it has not
handled, in order — in one transaction with the record that it handled all of them. If
that transaction fails, the same messages are handed to it one at a time (`[message]`),
so the failure is retried, blocked and reported per message as above.

Tests (and a single-process setup) may set `OUTBOX_DRAIN_EAGER = True`: the message is
then handed to its subscribers at once, inside the writer's transaction, which is how
the webhooks behaved before the outbox existed.

The life of a write: docs/architecture.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Func, JSONField, Q, Value
from django.utils import timezone

from .models import Department, OutboxMessage

logger = logging.getLogger(__name__)

DRAIN_TASK = "governance.tasks.drain_outbox_task"
# pg_try_advisory_lock(int, int): one drain at a time. The two-key form (objsubid 2)
# never meets the change feed's writer registrations (objsubid 1, governance.changes).
_DRAIN_LOCK = (0x4747, 0x4F42)
# Waits before retrying a message a subscriber failed on: doubling, capped.
RETRY_MIN = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
PURGE_AFTER = timedelta(days=7)

_TOPIC = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

Handler = Callable[[OutboxMessage], None]
# (topic or prefix, name, handler, takes a list of messages), in registration order.
_subscribers: list[tuple[str, str, Callable, bool]] = []


# Subscribing ---------------------------------------------------------------------


def subscribe(
    topic_or_prefix: str, handler: Callable, *, name: str | None = None, batch: bool = False
) -> None:
    """Call `handler(message)` for every message whose topic is `topic_or_prefix` or
    starts with it followed by a dot — `handler([message, ...])` with `batch=True`.
    `name` (default: the handler's dotted path) is what the delivery record remembers,
    so keep it stable. Registering the same name again replaces the handler."""
    if not _TOPIC.match(topic_or_prefix):
        raise ValueError(f"invalid outbox topic: {topic_or_prefix!r}")
    name = name or f"{handler.__module__}.{handler.__qualname__}"
    _subscribers[:] = [s for s in _subscribers if s[1] != name]
    _subscribers.append((topic_or_prefix, name, handler, batch))


def _matches(topic: str, prefix: str) -> bool:
    return topic == prefix or topic.startswith(prefix + ".")


def subscribers_for(topic: str) -> list[tuple[str, Handler]]:
    """(name, handler of one message) of the subscribers of `topic`."""
    return [
        (name, _one_at_a_time(handler) if batch else handler)
        for prefix, name, handler, batch in _subscribers
        if _matches(topic, prefix)
    ]


def _one_at_a_time(handler: Callable) -> Handler:
    def handle(message: OutboxMessage) -> None:
        handler([message])

    return handle


# Emitting ------------------------------------------------------------------------


def outbox_emit(
    *,
    topic: str,
    payload: dict,
    area_path: str = "",
    departments: Iterable[Department | int] | None = None,
) -> OutboxMessage:
    """Record a message in the caller's transaction. `payload` must be JSON-serializable
    (dates, decimals and UUIDs are fine) and carries no more than every subscriber may
    pass on; `departments` names the audience when the writer decides it (a case: the
    departments that hold or held it), None when it follows from `area_path`."""
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise ValueError(f"invalid outbox topic: {topic!r}")
    if not isinstance(payload, dict):
        raise TypeError("outbox payload must be a dict")
    if departments is not None:
        departments = [getattr(d, "pk", d) for d in departments]
    message = OutboxMessage.objects.create(
        topic=topic, payload=payload, area_path=area_path, departments=departments
    )
    if getattr(settings, "OUTBOX_DRAIN_EAGER", False):
        _deliver(message, blocked=set(), now=timezone.now())
    elif not _drain_scheduled():
        # robust: the write is committed by then; if the broker is down, beat drains.
        transaction.on_commit(drain_schedule, robust=True)
    return message


def _drain_scheduled() -> bool:
    """Whether this transaction already queues a drain on commit (one drain serves all
    its messages: a service that records a hundred changes queues one task)."""
    return any(callback[1] is drain_schedule for callback in connection.run_on_commit)


def drain_schedule() -> None:
    """Queue a drain (looked up by name: the kernel's tasks module imports this one), none
    while one is already waiting (governance/coalesce.py)."""
    from .coalesce import queue_drain

    queue_drain(DRAIN_TASK)


# Draining ------------------------------------------------------------------------


def _deliver(
    message: OutboxMessage, *, blocked: set[tuple[str, str]], now: datetime, mark: bool = True
) -> bool:
    """Hand `message` to the subscribers that have not handled it yet; returns whether
    it is now processed, and records that unless `mark` is False (the drain records a
    page's processed messages in one UPDATE). `blocked` holds (subscriber, topic) pairs
    that must wait for an earlier message of the topic; this function adds the ones that
    fail."""
    topic = message.topic
    due = message.next_attempt_at is None or message.next_attempt_at <= now
    errors: list[str] = []
    waiting = False
    for name, handler in subscribers_for(topic):
        if name in message.delivered_to:
            continue
        if not due or (name, topic) in blocked:
            blocked.add((name, topic))
            waiting = True
            continue
        try:
            with transaction.atomic():
                handler(message)
                message.delivered_to = [*message.delivered_to, name]
                OutboxMessage.objects.filter(pk=message.pk).update(
                    delivered_to=message.delivered_to
                )
        except Exception as exc:  # one subscriber's failure must not stop the others
            logger.exception(
                "outbox message %s (%s): subscriber %s failed", message.pk, topic, name
            )
            blocked.add((name, topic))
            errors.append(f"{name}: {exc!r}"[:500])
    if errors:
        message.attempts += 1
        message.last_error = "\n".join(errors)
        wait = min(RETRY_MIN * 2 ** (message.attempts - 1), RETRY_MAX)
        message.next_attempt_at = now + wait
        message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return False
    if waiting:
        return False
    message.processed_at = now
    if mark:
        message.save(update_fields=["processed_at"])
    return True


def _pending():
    return OutboxMessage.objects.filter(processed_at__isnull=True)


class _JsonbConcat(Func):
    """jsonb `a || b`: a name appended to each row's own list, in one UPDATE."""

    template = "%(expressions)s"
    arg_joiner = " || "
    output_field = JSONField()


def _deliver_batches(
    messages: list[OutboxMessage], *, blocked: set[tuple[str, str]], now: datetime
) -> None:
    """Hand each batch subscriber, at once, the messages of this page it may take now: not
    handled yet, due, and not behind a message of the same topic that must wait (which
    adds its topic to `blocked`, as `_deliver` would). On failure nothing is recorded,
    and `_deliver` then hands the same messages over one by one."""
    for prefix, name, handler, batch in _subscribers:
        if not batch:
            continue
        taken = []
        for message in messages:
            if not _matches(message.topic, prefix) or name in message.delivered_to:
                continue
            due = message.next_attempt_at is None or message.next_attempt_at <= now
            if not due or (name, message.topic) in blocked:
                blocked.add((name, message.topic))
                continue
            taken.append(message)
        if not taken:
            continue
        try:
            with transaction.atomic():
                handler(taken)
                OutboxMessage.objects.filter(pk__in=[m.pk for m in taken]).update(
                    delivered_to=_JsonbConcat(F("delivered_to"), Value([name], JSONField()))
                )
        except Exception:
            logger.warning(
                "outbox: batch subscriber %s failed on %d messages; one at a time now",
                name,
                len(taken),
                exc_info=True,
            )
            continue
        for message in taken:
            message.delivered_to = [*message.delivered_to, name]


def _drain_pass(batch: int, seen: set[int], now: datetime) -> int:
    processed = 0
    blocked: set[tuple[str, str]] = set()
    last = 0
    while True:
        messages = list(_pending().filter(pk__gt=last).order_by("pk")[:batch])
        if not messages:
            return processed
        _deliver_batches(messages, blocked=blocked, now=now)
        done = []
        for message in messages:
            seen.add(message.pk)
            if _deliver(message, blocked=blocked, now=now, mark=False):
                done.append(message.pk)
        # Every subscriber's own record is written with its work; this one only says that
        # none is left (a drain killed before it runs again finds nothing to hand over).
        OutboxMessage.objects.filter(pk__in=done).update(processed_at=now)
        processed += len(done)
        last = messages[-1].pk


def outbox_drain(*, batch: int = 500, now: datetime | None = None) -> int:
    """Hand every committed, unprocessed message to its subscribers, oldest first;
    returns how many were fully processed. One drain runs at a time: a drain that
    finds another one running returns at once, and the running one looks again before
    it stops, so a message committed meanwhile is not left for beat."""
    processed = 0
    seen: set[int] = set()
    for _round in range(10):  # beyond that, beat's next drain carries on
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", _DRAIN_LOCK)
            if not cur.fetchone()[0]:
                return processed
        try:
            processed += _drain_pass(batch, seen, now or timezone.now())
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", _DRAIN_LOCK)
        if not _pending().filter(~Q(pk__in=seen)).exists():
            break
    return processed


def outbox_purge(*, older_than: timedelta = PURGE_AFTER) -> int:
    """Delete messages processed longer than `older_than` ago; returns how many."""
    deleted, _detail = OutboxMessage.objects.filter(
        processed_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
