"""Webhooks: subscriptions, publishing, signed delivery with retries, replay.

Delivery is at-least-once: a receiver deduplicates on `X-GridGov-Delivery`.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.models import Department
from governance.roles import Action
from grids.models import ancestor_paths
from integrations import transport
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from integrations.signing import sign

from .common import require

logger = logging.getLogger(__name__)

# Waits after the 1st … 5th failed attempt; the 6th failure makes the delivery dead.
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
DELIVER_TASK = "integrations.tasks.deliver_webhook_task"
# Requeue deliveries this long overdue (lost broker message, worker killed mid-send,
# retries due later than a queued message may wait): checked every minute by beat.
SWEEP_GRACE = timedelta(minutes=2)

_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_url_validator = URLValidator(schemes=["http", "https"])

Status = WebhookDelivery.Status


def _timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))


def _queue_deliveries(delivery_ids: list[int], countdown: float | None = None) -> None:
    # Looked up by name: integrations.tasks imports the services, not the other way.
    from celery import current_app

    deliver = current_app.tasks[DELIVER_TASK]
    for pk in delivery_ids:
        deliver.apply_async((pk,), countdown=countdown)


def _queue_on_commit(delivery_ids: list[int], countdown: float | None = None) -> None:
    # robust: the caller's data is committed by then; if the broker is down the
    # sweeper (webhook_deliveries_requeue_due) sends the delivery later.
    if delivery_ids:
        # A function, not a partial: Django logs a robust callback's failure by its
        # __qualname__, which a partial lacks (the logging itself would then raise).
        def queue():
            _queue_deliveries(delivery_ids, countdown)

        transaction.on_commit(queue, robust=True)


# Subscriptions ------------------------------------------------------------------


def _clean_event_types(event_types) -> list[str]:
    if not isinstance(event_types, (list, tuple)) or not event_types:
        raise ValidationError(_("请至少指定一种事件类型。"), code="invalid")
    cleaned: list[str] = []
    for value in event_types:
        ok = (
            isinstance(value, str)
            and len(value) <= 100
            and (value == "*" or _EVENT_TYPE.match(value.removesuffix(".*")))
        )
        if not ok:
            raise ValidationError(_("事件类型无效:%(t)s") % {"t": value}, code="invalid")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _clean_url(url: str) -> str:
    try:
        if len(url) > 500:
            raise ValidationError("too long")
        _url_validator(url)
    except (ValidationError, TypeError):
        raise ValidationError(_("接收地址必须是 http 或 https 网址。"), code="invalid") from None
    return url


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)  # 32 random bytes


@transaction.atomic
def webhook_subscription_create(
    *,
    actor,
    department: Department,
    url: str,
    event_types: list[str],
    name: str = "",
) -> tuple[WebhookSubscription, str]:
    """Returns the subscription and its secret, which is not shown again."""
    require(actor, department.area.path, Action.CONFIGURE)
    subscription = WebhookSubscription.objects.create(
        department=department,
        name=name[:100],
        url=_clean_url(url),
        event_types=_clean_event_types(event_types),
        secret=_new_secret(),
    )
    audit_record(
        actor=actor,
        action="webhook_subscription.create",
        obj=subscription,
        changes={
            "department": [None, department.code],
            "url": [None, url],
            "event_types": [None, subscription.event_types],
        },
        area_path=department.area.path,
    )
    return subscription, subscription.secret


@transaction.atomic
def webhook_subscription_deactivate(
    *, actor, subscription: WebhookSubscription
) -> WebhookSubscription:
    """Stops new deliveries; deliveries not yet sent become dead when their turn comes."""
    area_path = subscription.department.area.path
    require(actor, area_path, Action.CONFIGURE)
    if subscription.active:
        subscription.active = False
        subscription.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="webhook_subscription.deactivate",
            obj=subscription,
            changes={"active": [True, False]},
            area_path=area_path,
        )
    return subscription


@transaction.atomic
def webhook_secret_rotate(*, actor, subscription: WebhookSubscription) -> str:
    """A new secret, effective for the next attempt; returned once."""
    area_path = subscription.department.area.path
    require(actor, area_path, Action.CONFIGURE)
    subscription.secret = _new_secret()
    subscription.save(update_fields=["secret"])
    audit_record(
        actor=actor,
        action="webhook_subscription.rotate_secret",
        obj=subscription,
        changes={"secret": ["***", "***"]},
        area_path=area_path,
    )
    return subscription.secret


# Publishing ---------------------------------------------------------------------


def _event_type_patterns(event_type: str) -> list[str]:
    """Subscription entries that match `event_type`: "*", every "prefix.*", itself."""
    parts = event_type.split(".")
    return ["*", event_type] + [".".join(parts[:i]) + ".*" for i in range(1, len(parts))]


def departments_above(area_path: str) -> list[Department]:
    """Departments whose area contains `area_path`: the audience of announcements that
    carry no content (`<dataset>.changed` with an id and a cursor), whose subscribers
    then read the data through their own scoped API."""
    if not area_path:
        return []
    return list(Department.objects.filter(area__path__in=ancestor_paths(area_path)))


@transaction.atomic
def webhook_publish(
    *,
    event_type: str,
    payload: dict,
    area_path: str,
    departments: list[Department],
) -> list[WebhookDelivery]:
    """Create a delivery for each active subscription of `departments` that wants
    `event_type`. The POSTs are queued when the caller's transaction commits.

    The audience is always named by the caller, by the rule that decides who may read
    the object (for a case: the departments that hold or held it, `Event.departments`),
    never derived from an area: a department above a case's place is not involved in it.
    `payload` must be JSON-serializable (dates, decimals and UUIDs are fine).
    """
    if departments is None:
        raise TypeError("webhook_publish needs the departments the payload is for")
    return webhook_publish_many(
        [Announcement(event_type, payload, area_path, [d.pk for d in departments])]
    )


class Announcement(NamedTuple):
    """One `webhook_publish`: its type, payload, area and audience (department ids)."""

    event_type: str
    payload: dict
    area_path: str
    department_ids: list[int]


@transaction.atomic
def webhook_publish_many(announcements: list[Announcement]) -> list[WebhookDelivery]:
    """`webhook_publish` for several announcements at once, as the outbox's drain hands
    them over: one read of the subscriptions and one INSERT of all the deliveries, made
    in the announcements' order. (A drain hands changes and cases' steps over in two
    batches, each in its own order; deliveries are sent by separate tasks anyway, and a
    receiver orders by the data it reads back, not by arrival.)"""
    for a in announcements:
        if not isinstance(a.event_type, str) or not _EVENT_TYPE.match(a.event_type):
            raise ValueError(f"invalid webhook event type: {a.event_type!r}")
        if not isinstance(a.payload, dict):
            raise TypeError("webhook payload must be a dict")
        if a.department_ids is None:
            raise TypeError("webhook_publish needs the departments the payload is for")
    department_ids = {pk for a in announcements for pk in a.department_ids}
    if not department_ids:
        return []
    subscriptions = list(
        WebhookSubscription.objects.filter(department__in=department_ids, active=True).order_by(
            "pk"
        )
    )
    now = timezone.now()
    deliveries = []
    for a in announcements:
        wanted = set(_event_type_patterns(a.event_type))
        audience = set(a.department_ids)
        deliveries += [
            WebhookDelivery(
                subscription=s,
                event_type=a.event_type,
                payload=a.payload,
                area_path=a.area_path,
                next_attempt_at=now,
            )
            for s in subscriptions
            if s.department_id in audience
            and any(t in wanted for t in s.event_types if isinstance(t, str))
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries) if deliveries else []
    _queue_on_commit([d.pk for d in deliveries])
    return deliveries


# Delivery -----------------------------------------------------------------------


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The JSON document POSTed for `delivery` (the same bytes on every attempt)."""
    envelope = {
        "id": delivery.pk,
        "event": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(
        envelope, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode("utf-8")


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt, or None if it is not due, finished, or
    being sent by another worker. Duplicate task messages (Redis may redeliver
    long-countdown tasks) are thereby harmless."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(
                pk=delivery_id, status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now
            )
            .first()
        )
        if delivery is None:
            return None
        if not delivery.subscription.active:
            delivery.status = Status.DEAD
            delivery.last_error = "subscription inactive"
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
            return None
        # A lease: no other task takes it while this attempt is under way.
        delivery.next_attempt_at = now + timedelta(seconds=_timeout() + 60)
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


@transaction.atomic
def _record_attempt(
    delivery_id: int, result: transport.PostResult, started: datetime
) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    delivery.attempts += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        attempted_at=started,
        status_code=result.status_code,
        error=result.error,
        response_excerpt=result.response_excerpt,
        duration_ms=result.duration_ms,
    )
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    if result.ok:
        delivery.status = Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Status.DEAD
        delivery.next_attempt_at = None
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = started + timedelta(
            seconds=BACKOFF_SECONDS[delivery.attempts - 1]
        )
        countdown = max(0.0, (delivery.next_attempt_at - timezone.now()).total_seconds())
        # A message waiting in a worker longer than the broker's visibility timeout would
        # be handed to another worker meanwhile (and again, and again): the later
        # attempts (10 min, 1 h, 6 h) are queued by the sweeper when they fall due.
        if countdown < settings.TASK_VISIBILITY_TIMEOUT / 2:
            _queue_on_commit([delivery.pk], countdown=countdown)
    delivery.save()
    return delivery


def webhook_delivery_attempt(
    *, delivery_id: int, now: datetime | None = None
) -> WebhookDelivery | None:
    """Make one signed POST for a due delivery and record the outcome; schedules the
    next attempt after a failure. Returns None when there was nothing to do.

    Not atomic as a whole on purpose: no transaction stays open during the HTTP call.
    `now` (default: the current time) decides what is due and when to retry.
    """
    started = now or timezone.now()
    delivery = _claim(delivery_id, started)
    if delivery is None:
        return None
    subscription = delivery.subscription
    body = webhook_body(delivery)
    timestamp = int(time.time())
    headers = {
        "X-GridGov-Event": delivery.event_type,
        "X-GridGov-Delivery": str(delivery.pk),
        "X-GridGov-Attempt": str(delivery.attempts + 1),
        "X-GridGov-Timestamp": str(timestamp),
        "X-GridGov-Signature": sign(subscription.secret, timestamp, body),
    }
    result = transport.post(subscription.url, body, headers, timeout=_timeout())
    if not result.ok:
        logger.info(
            "webhook delivery %s to %s failed: %s", delivery.pk, subscription.url, result.error
        )
    return _record_attempt(delivery.pk, result, started)


@transaction.atomic
def webhook_delivery_replay(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, whatever its state, with a fresh series of attempts."""
    if (
        actor is not None
        and not WebhookDelivery.objects.restrict(actor, Action.CHANGE)
        .filter(pk=delivery.pk)
        .exists()
    ):
        raise ValidationError(_("您无权重发该推送。"), code="forbidden")
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription__department__area")
        .get(pk=delivery.pk)
    )
    if not delivery.subscription.active:
        raise ValidationError(_("该推送订阅已停用,不能重发。"), code="inactive")
    before = delivery.status
    delivery.status = Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="webhook_delivery.replay",
        obj=delivery,
        changes={"status": [before, Status.PENDING]},
        area_path=delivery.subscription.department.area.path,
    )
    _queue_on_commit([delivery.pk])
    return delivery


def webhook_deliveries_requeue_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue deliveries overdue by more than SWEEP_GRACE; returns how many."""
    cutoff = (now or timezone.now()) - SWEEP_GRACE
    ids = list(
        WebhookDelivery.objects.filter(
            status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=cutoff
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _queue_deliveries(ids)
    return len(ids)
