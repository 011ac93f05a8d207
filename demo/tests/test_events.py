import pytest

from demo.events import SAMPLES, ensure_demo_events
from demo.users import ensure_demo_users
from events.models import Event, Status

pytestmark = pytest.mark.django_db


def test_demo_cases_are_made_through_the_process():
    ensure_demo_users()
    assert ensure_demo_events() == len(SAMPLES)
    statuses = set(Event.objects.values_list("status", flat=True))
    assert {
        Status.REPORTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.HANDLING,
        Status.CLOSED,
    } <= statuses
    assert all(e.traces.exists() for e in Event.objects.all())
    assert ensure_demo_events() == 0  # idempotent
