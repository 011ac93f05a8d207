"""End to end with a real Celery worker (in a thread) consuming from Redis.

The worker has its own database connection, so the data must be committed: this test
is transactional, and makes its own area rather than rely on the demo counties
(transactional tests flush the database afterwards; the session reloads them).
"""

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from governance.celery import app
from governance.services import department_create
from governance.tests.factories import private_task_queue
from grids.models import Area
from integrations import services
from integrations.models import WebhookDelivery
from integrations.signing import verify_signature

TIMEOUT = 20


@pytest.fixture
def private_queue(monkeypatch):
    """The delivery task goes to a queue of this test only."""
    with private_task_queue(
        monkeypatch, "integrations.tasks.deliver_webhook_task", "integrations-test"
    ) as queue:
        yield queue


@pytest.mark.django_db(transaction=True)
def test_publish_is_delivered_by_a_real_worker(receiver, private_queue):
    province = Area.objects.create(
        code="990000000000", name="测试省", level=1, path="990000000000/"
    )
    department = department_create(actor=None, code="W-CGJ", name="测试城管局", area=province)
    subscription, secret = services.webhook_subscription_create(
        actor=None, department=department, url=receiver.url, event_types=["event.*"]
    )

    with start_worker(app, perform_ping_check=False, queues=[private_queue], shutdown_timeout=10):
        with transaction.atomic():
            (delivery,) = services.webhook_publish(
                event_type="event.dispatched",
                payload={"event_id": 7},
                area_path=province.path,
                departments=[department],
            )
        assert receiver.wait_for(1, timeout=TIMEOUT), "the worker did not POST in time"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == WebhookDelivery.Status.DELIVERED:
                break
            time.sleep(0.05)

    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 1
    (req,) = receiver.requests
    assert req.headers["X-GridGov-Delivery"] == str(delivery.pk)
    assert verify_signature(
        secret, req.headers["X-GridGov-Timestamp"], req.body, req.headers["X-GridGov-Signature"]
    )
    assert json.loads(req.body)["data"] == {"event_id": 7}
    assert subscription.deliveries.get() == delivery
