"""The kernel's outbox (governance/outbox.py): a message is written in the writer's
transaction, handed to its subscribers after commit by a Celery task (and by beat's
periodic drain), at least once per subscriber, a failing one retried alone, in order
per topic. The test settings hand messages over at once (OUTBOX_DRAIN_EAGER); these
tests switch that off."""

import threading
import time
from datetime import timedelta

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from governance import outbox
from governance.celery import app
from governance.models import OutboxMessage
from governance.tasks import drain_outbox_task
from governance.tests.factories import private_task_queue

pytestmark = pytest.mark.django_db


class Boom(RuntimeError):
    pass


@pytest.fixture
def lazy(settings):
    settings.OUTBOX_DRAIN_EAGER = False


@pytest.fixture
def subscribers(monkeypatch):
    """An empty registry for the test; `calls` records (subscriber, topic, n) in order."""
    monkeypatch.setattr(outbox, "_subscribers", [])
    calls: list[tuple[str, str, int]] = []

    def add(name, prefix="test", fail=0):
        """Subscribe `name` to `prefix`; it raises on its first `fail` calls."""
        left = {"fail": fail}

        def handler(message):
            calls.append((name, message.topic, message.payload["n"]))
            if left["fail"]:
                left["fail"] -= 1
                raise Boom(name)

        outbox.subscribe(prefix, handler, name=name)

    add.calls = calls
    return add


@pytest.fixture
def drains(monkeypatch):
    """Drains queued on commit, counted instead of sent to the broker."""
    from governance.coalesce import drain_started

    queued = []
    task = current_app.tasks[outbox.DRAIN_TASK]
    monkeypatch.setattr(task, "delay", lambda: queued.append(1))
    monkeypatch.setattr(task, "apply_async", lambda countdown: queued.append(1))
    drain_started(outbox.DRAIN_TASK)  # no drain left waiting by an earlier test
    return queued


def emit(topic="test.thing", n=1, **kwargs):
    return outbox.outbox_emit(topic=topic, payload={"n": n}, **kwargs)


def later(minutes=90):
    return timezone.now() + timedelta(minutes=minutes)


def test_the_message_commits_or_rolls_back_with_the_write(
    lazy, subscribers, drains, django_capture_on_commit_callbacks
):
    subscribers("a")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom):
            with transaction.atomic():
                emit(n=1)
                raise Boom("the write failed")
    assert not OutboxMessage.objects.exists() and drains == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            message = emit(n=2, area_path="220000000000/", departments=[3, 5])
            emit(n=3)
    # Nothing is handed over inside the transaction; its commit queues one drain.
    assert subscribers.calls == [] and len(callbacks) == 1
    message.refresh_from_db()
    assert (message.topic, message.payload, message.area_path, message.departments) == (
        "test.thing",
        {"n": 2},
        "220000000000/",
        [3, 5],
    )
    assert message.processed_at is None and message.delivered_to == []


def test_drained_after_commit(lazy, subscribers, drains, django_capture_on_commit_callbacks):
    subscribers("a")
    subscribers("b", prefix="test.thing")
    subscribers("other", prefix="elsewhere")
    with django_capture_on_commit_callbacks(execute=True):
        message = emit()
        assert drains == []
    assert drains == [1]  # queued by the commit

    assert drain_outbox_task() is None  # what the queued task runs
    assert subscribers.calls == [("a", "test.thing", 1), ("b", "test.thing", 1)]
    message.refresh_from_db()
    assert message.processed_at is not None and message.delivered_to == ["a", "b"]
    outbox.outbox_drain()  # processed messages are not handed over again
    assert len(subscribers.calls) == 2


def test_a_pages_processed_messages_are_recorded_in_one_statement(lazy, subscribers, drains):
    """Each subscriber's record is written with its work; that none is left, for all the
    messages of a drain's page at once (not an UPDATE per message)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subscribers("a")
    subscribers("b", fail=1)
    messages = [emit(n=n) for n in range(6)]
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.outbox_drain() == 0  # "b" failed on the first: every "b" waits
    marks = [q for q in ctx.captured_queries if '"processed_at" = ' in q["sql"].split("WHERE")[0]]
    assert marks == []
    OutboxMessage.objects.update(next_attempt_at=None)
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.outbox_drain() == 6
    marks = [q for q in ctx.captured_queries if '"processed_at" = ' in q["sql"].split("WHERE")[0]]
    assert len(marks) == 1
    assert not OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages], processed_at__isnull=True
    ).exists()


def test_a_failing_subscriber_is_retried_without_the_others(lazy, subscribers, drains):
    subscribers("a")
    subscribers("b", fail=1)
    subscribers("c")
    message = emit()

    assert outbox.outbox_drain() == 0
    assert subscribers.calls == [
        ("a", "test.thing", 1),
        ("b", "test.thing", 1),
        ("c", "test.thing", 1),
    ]
    message.refresh_from_db()
    assert message.delivered_to == ["a", "c"] and message.processed_at is None
    assert message.attempts == 1 and "Boom('b')" in message.last_error
    assert message.next_attempt_at > timezone.now()

    outbox.outbox_drain()  # not due yet
    assert len(subscribers.calls) == 3
    assert outbox.outbox_drain(now=later()) == 1
    assert subscribers.calls[3:] == [("b", "test.thing", 1)]
    message.refresh_from_db()
    assert message.delivered_to == ["a", "c", "b"] and message.processed_at is not None


def test_a_failed_handler_leaves_nothing_behind(lazy, subscribers, drains):
    """A handler's writes and the record that it handled the message commit together."""
    from governance.models import Change

    def handler(message):
        Change.objects.create(
            dataset="halfdone", object_id="1", op="create", area_path="220000000000/"
        )
        raise Boom("after writing")

    outbox.subscribe("test", handler, name="half")
    message = emit()
    outbox.outbox_drain()
    message.refresh_from_db()
    assert message.delivered_to == [] and message.attempts == 1
    assert not Change.objects.filter(dataset="halfdone").exists()


def test_beat_drains_what_no_task_drained(lazy, subscribers, drains, settings):
    subscribers("a")
    # Committed, but the drain queued on commit was lost (broker down, worker killed).
    first, second = emit(n=1), emit(n=2)
    assert subscribers.calls == []

    entry = settings.CELERY_BEAT_SCHEDULE["drain-outbox"]
    assert entry["task"] == outbox.DRAIN_TASK and entry["schedule"] <= 60
    drain_outbox_task()
    assert subscribers.calls == [("a", "test.thing", 1), ("a", "test.thing", 2)]
    assert not OutboxMessage.objects.filter(
        pk__in=[first.pk, second.pk], processed_at__isnull=True
    ).exists()


def test_order_per_topic_and_subscriber(lazy, subscribers, drains):
    subscribers("a", fail=1)
    subscribers("b")
    for n in (1, 2, 3):
        emit(n=n)
    emit(topic="test.other", n=4)

    outbox.outbox_drain()
    # a failed on 1: its 2 and 3 of the same topic wait; b and the other topic go on.
    assert subscribers.calls == [
        ("a", "test.thing", 1),
        ("b", "test.thing", 1),
        ("b", "test.thing", 2),
        ("b", "test.thing", 3),
        ("a", "test.other", 4),
        ("b", "test.other", 4),
    ]
    del subscribers.calls[:]
    outbox.outbox_drain(now=later())
    assert subscribers.calls == [
        ("a", "test.thing", 1),
        ("a", "test.thing", 2),
        ("a", "test.thing", 3),
    ]
    assert not OutboxMessage.objects.filter(processed_at__isnull=True).exists()


def test_eager_mode_hands_over_in_the_writers_transaction(subscribers, settings):
    assert settings.OUTBOX_DRAIN_EAGER  # the test settings
    subscribers("a")
    with pytest.raises(Boom):
        with transaction.atomic():
            emit(n=1)
            assert subscribers.calls == [("a", "test.thing", 1)]
            assert OutboxMessage.objects.get().processed_at is not None
            raise Boom("the write failed")
    assert not OutboxMessage.objects.exists()


def test_processed_messages_are_purged_after_a_week(lazy, subscribers, drains):
    subscribers("a")
    old, recent, pending = emit(n=1), emit(n=2), emit(n=3)
    OutboxMessage.objects.filter(pk=old.pk).update(processed_at=later(-8 * 24 * 60))
    OutboxMessage.objects.filter(pk=recent.pk).update(processed_at=timezone.now())
    assert outbox.outbox_purge() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_topics_are_checked():
    with pytest.raises(ValueError):
        outbox.outbox_emit(topic="Not a topic", payload={})
    with pytest.raises(TypeError):
        outbox.outbox_emit(topic="test.thing", payload=[1])


def test_the_apps_above_subscribe_the_kernel_calls_none():
    """Webhooks hear of changes and of cases' steps through the outbox."""
    names = {name for name, _handler in outbox.subscribers_for("change.people")}
    assert "integrations.subscribers.webhooks_for_change" in names
    names = {name for name, _handler in outbox.subscribers_for("event.dispatch")}
    assert "integrations.subscribers.webhooks_for_event" in names


@pytest.fixture
def private_queue(monkeypatch):
    """The drain goes to a queue of this test only."""
    with private_task_queue(monkeypatch, outbox.DRAIN_TASK, "outbox-test") as queue:
        yield queue


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_drains_after_commit(lazy, subscribers, private_queue):
    handled = threading.Event()

    def handler(message):
        handled.set()

    outbox.subscribe("test", handler, name="worker")
    with start_worker(app, perform_ping_check=False, queues=[private_queue], shutdown_timeout=10):
        with transaction.atomic():
            message = emit()
        assert handled.wait(20), "the worker did not drain the outbox in time"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.processed_at is not None:
                break
            time.sleep(0.05)
    assert message.delivered_to == ["worker"] and message.processed_at is not None


def test_the_drain_task_is_registered_in_every_process():
    """The web process queues the drain by name after commit: the task must be known
    there without a worker's autodiscovery (it was not, and beat alone delivered)."""
    from celery import current_app

    from governance.outbox import DRAIN_TASK

    assert DRAIN_TASK in current_app.tasks


def test_one_waiting_drain_serves_every_commit_before_it_starts(lazy, subscribers, drains):
    """governance/coalesce.py: a commit queues a drain only when none is waiting; the
    drain clears the mark before it reads, so a commit after that queues the next one.
    (Within one test transaction only its first write registers the commit callback, so
    the callback — what each commit runs — is called here as three commits would.)"""
    subscribers("a")
    for n in (1, 2, 3):
        emit(n=n)
        outbox.drain_schedule()  # this write's commit
    assert drains == [1]  # three commits, one drain waiting
    drain_outbox_task()
    assert [c[2] for c in subscribers.calls] == [1, 2, 3]  # it served all three
    emit(n=4)
    outbox.drain_schedule()
    assert drains == [1, 1]  # after it started, the next commit queues its own
    drain_outbox_task()
    assert [c[2] for c in subscribers.calls] == [1, 2, 3, 4]


def test_the_drain_starts_a_moment_after_the_first_write(monkeypatch, settings):
    """The writes of that moment share one drain (governance/coalesce.py); 0: at once."""
    from governance.coalesce import drain_started, queue_drain

    task = current_app.tasks[outbox.DRAIN_TASK]
    sent = []
    monkeypatch.setattr(task, "apply_async", lambda countdown: sent.append(countdown))
    monkeypatch.setattr(task, "delay", lambda: sent.append("now"))
    for seconds in (0.5, 0):
        settings.DRAIN_COALESCE_SECONDS = seconds
        drain_started(outbox.DRAIN_TASK)
        assert queue_drain(outbox.DRAIN_TASK)
    assert sent == [0.5, "now"]
    drain_started(outbox.DRAIN_TASK)


@pytest.fixture
def batch_subscriber(subscribers):
    """`add(name, prefix, fail_on)`: a batch subscriber that records each call's list of
    (topic, n), writes a change-feed row per message, and then raises when a call holds a
    message whose n is in `fail_on` (the returned set: empty it to let it succeed)."""
    from governance.models import Change

    batches: list[list[tuple[str, int]]] = []

    def add(name, prefix="test", fail_on=()):
        failing = set(fail_on)

        def handler(messages):
            batches.append([(m.topic, m.payload["n"]) for m in messages])
            for m in messages:
                Change.objects.create(
                    dataset="batched", object_id=str(m.payload["n"]), op="create", area_path=""
                )
            if failing & {m.payload["n"] for m in messages}:
                raise Boom(name)

        outbox.subscribe(prefix, handler, name=name, batch=True)
        return failing

    add.batches = batches
    return add


def test_a_batch_subscriber_gets_the_drains_messages_at_once(lazy, subscribers, batch_subscriber):
    batch_subscriber("many")
    subscribers("one")
    for n in (1, 2, 3):
        emit(n=n)
    emit(topic="test.other", n=4)
    emit(topic="elsewhere", n=5)
    assert outbox.outbox_drain() == 5  # the last one has no subscriber: processed as such
    # One call, in order, every topic it subscribed to; the plain subscriber one by one.
    assert batch_subscriber.batches == [
        [("test.thing", 1), ("test.thing", 2), ("test.thing", 3), ("test.other", 4)]
    ]
    assert [c[2] for c in subscribers.calls] == [1, 2, 3, 4]
    for message in OutboxMessage.objects.filter(topic__startswith="test"):
        assert message.delivered_to == ["many", "one"] and message.processed_at is not None
    outbox.outbox_drain()
    assert len(batch_subscriber.batches) == 1  # not handed over again


def test_a_failing_batch_is_handed_over_one_message_at_a_time(lazy, batch_subscriber):
    """The batch's writes roll back; then each message alone: the good ones are recorded,
    the bad one is retried later and holds back the later messages of its topic only."""
    from governance.models import Change

    failing = batch_subscriber("many", fail_on={2})
    for n in (1, 2, 3):
        emit(n=n)
    emit(topic="test.other", n=4)

    assert outbox.outbox_drain() == 2
    assert batch_subscriber.batches == [
        [("test.thing", 1), ("test.thing", 2), ("test.thing", 3), ("test.other", 4)],
        [("test.thing", 1)],
        [("test.thing", 2)],
        [("test.other", 4)],  # 3 waits behind 2, of the same topic
    ]
    # The failed batch and the failed single call left nothing; the others their own row.
    assert sorted(Change.objects.values_list("object_id", flat=True)) == ["1", "4"]
    bad = OutboxMessage.objects.get(payload__n=2)
    assert bad.delivered_to == [] and bad.attempts == 1 and "Boom('many')" in bad.last_error
    assert OutboxMessage.objects.get(payload__n=3).delivered_to == []

    failing.clear()
    del batch_subscriber.batches[:]
    assert outbox.outbox_drain(now=later()) == 2
    assert batch_subscriber.batches == [[("test.thing", 2), ("test.thing", 3)]]
    assert not OutboxMessage.objects.filter(processed_at__isnull=True).exists()
    assert sorted(Change.objects.values_list("object_id", flat=True)) == ["1", "2", "3", "4"]


def test_a_batch_waits_behind_a_message_not_yet_due(lazy, batch_subscriber):
    batch_subscriber("many")
    first = emit(n=1)
    OutboxMessage.objects.filter(pk=first.pk).update(attempts=1, next_attempt_at=later())
    emit(n=2)
    emit(topic="test.other", n=3)
    outbox.outbox_drain()
    assert batch_subscriber.batches == [[("test.other", 3)]]
    outbox.outbox_drain(now=later(120))
    assert batch_subscriber.batches[1:] == [[("test.thing", 1), ("test.thing", 2)]]
