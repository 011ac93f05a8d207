"""Subscriptions, publishing and delivery against a real HTTP receiver. The delivery
service is called synchronously; Celery's queue is recorded by the `queued` fixture."""

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import AuditLog
from governance.roles import Role
from governance.services import department_create
from grids.models import Area
from integrations import services
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.services import BACKOFF_SECONDS, MAX_ATTEMPTS
from integrations.services.webhooks import SWEEP_GRACE, webhook_deliveries_requeue_due
from integrations.signing import verify_signature
from tests.fixtures import NANGUAN

from .receiver import closed_port_url

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status
PAYLOAD = {"event_id": 42, "title": "占道经营", "reported_at": timezone.now()}


def publish(area_path, event_type="event.dispatched", **kwargs):
    # The audience is always named; for content-free announcements it is the
    # departments above the area.
    kwargs.setdefault("departments", services.departments_above(area_path))
    return services.webhook_publish(
        event_type=event_type, payload=PAYLOAD, area_path=area_path, **kwargs
    )


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


# Subscriptions ----------------------------------------------------------------------


def test_create_returns_a_strong_secret_once_and_audits_without_it(
    make_user, nanguan_department, receiver
):
    admin = make_user(Role.ADMIN, NANGUAN)
    sub, secret = services.webhook_subscription_create(
        actor=admin,
        department=nanguan_department,
        url=receiver.url,
        event_types=["event.dispatched", "event.closed", "event.closed"],
        name="城管系统",
    )
    assert secret.startswith("whsec_") and len(secret) >= 6 + 43  # 32 random bytes
    assert sub.event_types == ["event.dispatched", "event.closed"]
    entry = AuditLog.objects.get(action="webhook_subscription.create", object_id=str(sub.pk))
    assert entry.actor == admin and entry.area_path == nanguan_department.area.path
    assert secret not in json.dumps(entry.changes)
    _, other = services.webhook_subscription_create(
        actor=None, department=nanguan_department, url=receiver.url, event_types=["*"]
    )
    assert other != secret


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http://", ""])
def test_create_refuses_bad_urls(nanguan_department, url):
    with pytest.raises(ValidationError) as exc:
        services.webhook_subscription_create(
            actor=None, department=nanguan_department, url=url, event_types=["*"]
        )
    assert exc.value.code == "invalid"


@pytest.mark.parametrize(
    "event_types",
    [[], "*", ["Event.Closed"], ["event."], ["*.closed"], [42], ["event.closed", "a b"]],
)
def test_create_refuses_bad_event_types(nanguan_department, receiver, event_types):
    with pytest.raises(ValidationError):
        services.webhook_subscription_create(
            actor=None, department=nanguan_department, url=receiver.url, event_types=event_types
        )


def test_only_administrators_of_the_area_manage_subscriptions(
    make_user, nanguan_department, nanguan_dispatcher, receiver
):
    for actor in (nanguan_dispatcher, make_user(Role.ADMIN, "220103000000")):
        with pytest.raises(ValidationError) as exc:
            services.webhook_subscription_create(
                actor=actor, department=nanguan_department, url=receiver.url, event_types=["*"]
            )
        assert exc.value.code == "forbidden"
    assert not WebhookSubscription.objects.exists()


def test_rotated_secret_signs_the_next_delivery(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    sub, old = subscribe(nanguan_department)
    new = services.webhook_secret_rotate(actor=None, subscription=sub)
    assert new != old and WebhookSubscription.objects.get(pk=sub.pk).secret == new
    assert AuditLog.objects.filter(action="webhook_subscription.rotate_secret").exists()
    (delivery,) = publish(nanguan_grid.path)
    attempt(delivery)
    (req,) = receiver.requests
    ts, sig = req.headers["X-GridGov-Timestamp"], req.headers["X-GridGov-Signature"]
    assert verify_signature(new, ts, req.body, sig)
    assert not verify_signature(old, ts, req.body, sig)


# Publishing -------------------------------------------------------------------------


def test_publish_matches_area_event_type_and_active(
    nanguan_department, kuancheng_department, nanguan_grid, subscribe, queued
):
    city = department_create(
        actor=None, code="CC-CGJ", name="长春市城管局", area=Area.objects.get(code="220100000000")
    )
    exact, _ = subscribe(nanguan_department, ["event.dispatched"])
    prefix, _ = subscribe(nanguan_department, ["event.*"])
    everything, _ = subscribe(nanguan_department, ["*"])
    city_wide, _ = subscribe(city, ["event.dispatched"])
    subscribe(nanguan_department, ["event.closed"])
    subscribe(nanguan_department, ["risk.*"])
    subscribe(kuancheng_department, ["*"])  # other county
    inactive, _ = subscribe(nanguan_department, ["*"])
    services.webhook_subscription_deactivate(actor=None, subscription=inactive)

    deliveries = publish(nanguan_grid.path)

    assert {d.subscription_id for d in deliveries} == {
        exact.pk,
        prefix.pk,
        everything.pk,
        city_wide.pk,
    }
    assert all(d.status == Status.PENDING and d.area_path == nanguan_grid.path for d in deliveries)
    assert WebhookDelivery.objects.count() == 4


def test_publish_to_named_departments_only(
    nanguan_department, kuancheng_department, nanguan_grid, subscribe, queued
):
    subscribe(nanguan_department)
    kc, _ = subscribe(kuancheng_department)
    (delivery,) = publish(nanguan_grid.path, departments=[kuancheng_department])
    assert delivery.subscription == kc
    assert publish(nanguan_grid.path, departments=[]) == []
    assert publish("", event_type="event.closed") == []


def test_publish_refuses_bad_event_types_and_payloads(nanguan_grid):
    with pytest.raises(ValueError):
        services.webhook_publish(
            event_type="*", payload={}, area_path=nanguan_grid.path, departments=[]
        )
    with pytest.raises(TypeError):
        services.webhook_publish(
            event_type="event.closed", payload=[1], area_path=nanguan_grid.path, departments=[]
        )


def test_publish_queues_the_deliveries_after_commit(
    nanguan_department, nanguan_grid, subscribe, queued, django_capture_on_commit_callbacks
):
    subscribe(nanguan_department)
    subscribe(nanguan_department)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries = publish(nanguan_grid.path)
    assert queued == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted((d.pk, None) for d in deliveries)


# Delivery ---------------------------------------------------------------------------


def test_delivery_posts_signed_json_with_headers(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    sub, secret = subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    before = int(time.time())

    result = attempt(delivery)

    (req,) = receiver.requests
    assert req.path == "/gridgov-hook"
    h = req.headers
    assert h["X-GridGov-Event"] == "event.dispatched"
    assert h["X-GridGov-Delivery"] == str(delivery.pk)
    assert h["X-GridGov-Attempt"] == "1"
    assert h["Content-Type"] == "application/json; charset=utf-8"
    assert before <= int(h["X-GridGov-Timestamp"]) <= int(time.time())
    assert h["X-GridGov-Signature"].startswith("sha256=")
    assert verify_signature(secret, h["X-GridGov-Timestamp"], req.body, h["X-GridGov-Signature"])
    body = json.loads(req.body)
    assert body["id"] == delivery.pk and body["event"] == "event.dispatched"
    assert body["data"]["title"] == "占道经营" and body["data"]["event_id"] == 42
    assert body["data"]["reported_at"].startswith(PAYLOAD["reported_at"].isoformat()[:19])

    assert result.status == Status.DELIVERED and result.delivered_at is not None
    assert result.attempts == 1 and result.last_status_code == 200
    assert result.next_attempt_at is None and queued == []
    (log,) = result.attempt_log.all()
    assert (log.number, log.status_code, log.error, log.response_excerpt) == (1, 200, "", "ok")
    assert log.duration_ms >= 0


def test_finished_or_not_yet_due_deliveries_are_not_sent(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    assert attempt(delivery, now=timezone.now() - timedelta(minutes=1)) is None  # not due
    attempt(delivery)
    assert attempt(delivery) is None  # delivered already: a duplicate task message
    assert len(receiver.requests) == 1


def test_failures_back_off_30s_2min_10min_1h_6h_then_deliver(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    receiver.fail_next(5, status=503)

    for number, wait in enumerate(BACKOFF_SECONDS, start=1):
        queued.clear()
        delivery = attempt(delivery)
        assert delivery.status == Status.FAILED and delivery.attempts == number
        assert delivery.last_status_code == 503 and "503" in delivery.last_error
        last = delivery.attempt_log.order_by("number").last()
        assert last.number == number and last.response_excerpt == "error 503"
        assert delivery.next_attempt_at - last.attempted_at == timedelta(seconds=wait)
        assert attempt(delivery) is None  # a duplicate message before the time: ignored
        if wait < settings.TASK_VISIBILITY_TIMEOUT / 2:
            ((queued_id, countdown),) = queued
            assert queued_id == delivery.pk and wait - 5 < countdown <= wait
        else:  # longer than a message may wait in a worker: the sweeper queues it
            assert queued == []
            assert webhook_deliveries_requeue_due(now=delivery.next_attempt_at) == 0
            later = delivery.next_attempt_at + SWEEP_GRACE + timedelta(seconds=1)
            assert webhook_deliveries_requeue_due(now=later) == 1
            assert queued == [(delivery.pk, None)]
        make_due(delivery)

    delivery = attempt(delivery)
    assert delivery.status == Status.DELIVERED and delivery.attempts == 6
    assert [r.headers["X-GridGov-Attempt"] for r in receiver.requests] == list("123456")
    assert len({r.headers["X-GridGov-Delivery"] for r in receiver.requests}) == 1


def test_dead_after_max_attempts(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    receiver.fail_next(MAX_ATTEMPTS + 1)
    for _ in range(MAX_ATTEMPTS):
        make_due(delivery)
        delivery = attempt(delivery)
    assert delivery.status == Status.DEAD and delivery.attempts == MAX_ATTEMPTS == 6
    assert delivery.next_attempt_at is None
    # Retries within half the visibility timeout are queued with a countdown (30 s,
    # 2 min), the later ones by the sweeper; none after the last.
    soon = [w for w in BACKOFF_SECONDS if w < settings.TASK_VISIBILITY_TIMEOUT / 2]
    assert [pk for pk, _countdown in queued] == [delivery.pk] * len(soon)
    assert webhook_deliveries_requeue_due(now=timezone.now() + timedelta(days=1)) == 0
    make_due(delivery)
    assert attempt(delivery) is None
    assert len(receiver.requests) == MAX_ATTEMPTS


@pytest.mark.parametrize("status", [302, 404, 500])
def test_any_non_2xx_answer_is_a_failure(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, status, attempt
):
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    receiver.fail_next(1, status=status)
    delivery = attempt(delivery)
    assert delivery.status == Status.FAILED and delivery.last_status_code == status
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_connection_refused_is_a_failure(
    nanguan_department, nanguan_grid, subscribe, queued, attempt
):
    subscribe(nanguan_department, url=closed_port_url())
    (delivery,) = publish(nanguan_grid.path)
    delivery = attempt(delivery)
    assert delivery.status == Status.FAILED and delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()
    assert delivery.attempt_log.get().error == delivery.last_error


def test_timeout_is_a_failure(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, settings, attempt
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.delay = 1.0
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    delivery = attempt(delivery)
    assert delivery.status == Status.FAILED and "timed out" in delivery.last_error.lower()
    assert delivery.attempt_log.get().duration_ms < 1000


def test_deliveries_of_a_deactivated_subscription_die_unsent(
    nanguan_department, nanguan_grid, subscribe, receiver, queued, attempt
):
    sub, _ = subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    services.webhook_subscription_deactivate(actor=None, subscription=sub)
    assert attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == Status.DEAD and receiver.requests == []


# Replay and sweeping ----------------------------------------------------------------


def test_replay_requeues_a_dead_delivery_with_fresh_attempts(
    nanguan_department,
    nanguan_grid,
    nanguan_dispatcher,
    subscribe,
    receiver,
    queued,
    django_capture_on_commit_callbacks,
    attempt,
):
    subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    receiver.fail_next(MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        make_due(delivery)
        delivery = attempt(delivery)
    assert delivery.status == Status.DEAD
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_delivery_replay(actor=nanguan_dispatcher, delivery=delivery)

    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    assert queued == [(delivery.pk, None)]
    entry = AuditLog.objects.get(action="webhook_delivery.replay")
    assert entry.actor == nanguan_dispatcher and entry.changes == {"status": ["dead", "pending"]}
    assert entry.area_path == nanguan_department.area.path
    delivery = attempt(delivery)
    assert delivery.status == Status.DELIVERED and delivery.attempts == 1
    assert delivery.attempt_log.count() == MAX_ATTEMPTS + 1  # the log keeps history


def test_replay_outside_jurisdiction_or_to_an_inactive_subscription_is_refused(
    nanguan_department, nanguan_grid, kuancheng_dispatcher, subscribe, queued
):
    sub, _ = subscribe(nanguan_department)
    (delivery,) = publish(nanguan_grid.path)
    with pytest.raises(ValidationError) as exc:
        services.webhook_delivery_replay(actor=kuancheng_dispatcher, delivery=delivery)
    assert exc.value.code == "forbidden"
    services.webhook_subscription_deactivate(actor=None, subscription=sub)
    with pytest.raises(ValidationError) as exc:
        services.webhook_delivery_replay(actor=None, delivery=delivery)
    assert exc.value.code == "inactive"


def test_sweeper_requeues_overdue_deliveries_only(
    nanguan_department, nanguan_grid, subscribe, queued
):
    subscribe(nanguan_department)
    lost, fresh = publish(nanguan_grid.path) + publish(nanguan_grid.path)
    WebhookDelivery.objects.filter(pk=lost.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.webhook_deliveries_requeue_due() == 1
    assert queued == [(lost.pk, None)]
