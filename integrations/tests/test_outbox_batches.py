"""The department systems hear of a drain's messages in one batch (integrations/
subscribers.py): the deliveries are those `webhook_publish` makes for each message, in
the messages' order, and the drain's statements do not grow with its messages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import outbox
from governance.models import OutboxMessage
from governance.services import department_create
from grids.models import Area, Level
from integrations.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhooks_only(settings, monkeypatch):
    """A drain after commit, handing messages to the webhooks' subscribers only (the other
    apps' subscribers read the cases the payloads name: these messages name none)."""
    settings.OUTBOX_DRAIN_EAGER = False
    monkeypatch.setattr(
        outbox,
        "_subscribers",
        [s for s in outbox._subscribers if s[1].startswith("integrations.")],
    )
    monkeypatch.setattr(outbox, "drain_schedule", lambda: None)


@pytest.fixture
def city_department(db):
    return department_create(
        actor=None, code="CC-CGJ", name="长春市城管局", area=Area.objects.get(code="220100000000")
    )


def _emit(topic, area_path, n, departments=None):
    return outbox.outbox_emit(
        topic=topic, payload={"n": n}, area_path=area_path, departments=departments
    )


def _deliveries():
    return [
        (d.subscription_id, d.event_type, d.payload["n"])
        for d in WebhookDelivery.objects.order_by("pk")
    ]


def test_each_message_reaches_its_own_audience_in_order(
    webhooks_only,
    nanguan_department,
    kuancheng_department,
    city_department,
    nanguan_grid,
    subscribe,
    queued,
    django_capture_on_commit_callbacks,
):
    everything, _ = subscribe(nanguan_department, ["*"])
    closed_only, _ = subscribe(nanguan_department, ["event.closed"])
    other_county, _ = subscribe(kuancheng_department, ["event.*", "houses.changed"])
    city, _ = subscribe(city_department, ["houses.*"])
    kuancheng_grid = Area.objects.filter(
        path__startswith=kuancheng_department.area.path, level=Level.GRID
    ).first()

    # a record's change: every department above its place; a case's step: those named
    _emit("change.houses", nanguan_grid.path, 1)
    _emit("event.dispatch", nanguan_grid.path, 2, departments=[nanguan_department])
    _emit("event.closed", nanguan_grid.path, 3, departments=[nanguan_department])
    _emit("change.houses", kuancheng_grid.path, 4)
    _emit("event.closed", kuancheng_grid.path, 5, departments=[kuancheng_department])
    _emit("change.houses", nanguan_grid.path, 6, departments=[])

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_drain() == 6

    # each subscriber (changes, cases' steps) takes its messages in their order
    made = _deliveries()
    assert [d for d in made if d[1] == "houses.changed"] == [
        (everything.pk, "houses.changed", 1),
        (city.pk, "houses.changed", 1),
        (other_county.pk, "houses.changed", 4),
        (city.pk, "houses.changed", 4),
    ]
    assert [d for d in made if d[1] != "houses.changed"] == [
        (everything.pk, "event.dispatch", 2),
        (everything.pk, "event.closed", 3),
        (closed_only.pk, "event.closed", 3),
        (other_county.pk, "event.closed", 5),
    ]
    assert not OutboxMessage.objects.filter(processed_at__isnull=True).exists()
    assert sorted(pk for pk, _countdown in queued) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )


def _drain_statements(n, area_path, department):
    for i in range(n):
        _emit("event.dispatch", area_path, i, departments=[department])
        _emit("change.houses", area_path, i)
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.outbox_drain() == 2 * n
    return len(ctx.captured_queries)


def test_a_drains_statements_do_not_grow_with_its_messages(
    webhooks_only, nanguan_department, nanguan_grid, subscribe, queued
):
    subscribe(nanguan_department, ["*"])
    few = _drain_statements(2, nanguan_grid.path, nanguan_department)
    many = _drain_statements(20, nanguan_grid.path, nanguan_department)
    assert many == few
    assert WebhookDelivery.objects.count() == 44


def test_a_message_delivered_before_is_not_announced_again(
    webhooks_only, nanguan_department, nanguan_grid, subscribe, queued
):
    """At least once per message, not twice after a drain that recorded it."""
    subscribe(nanguan_department, ["*"])
    _emit("change.houses", nanguan_grid.path, 1)
    outbox.outbox_drain()
    OutboxMessage.objects.update(processed_at=None)  # a drain killed before its last step
    _emit("change.houses", nanguan_grid.path, 2)
    assert outbox.outbox_drain() == 2
    assert [n for _s, _t, n in _deliveries()] == [1, 2]
