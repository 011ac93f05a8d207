import pytest

from events.demo import SAMPLES, ensure_demo_events
from events.models import Event, Status
from grids.demo_users import ensure_demo_users

pytestmark = pytest.mark.django_db


def test_demo_cases_are_made_through_the_process():
    ensure_demo_users()
    assert ensure_demo_events() == len(SAMPLES)
    statuses = set(Event.objects.values_list("status", flat=True))
    assert {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING,
            Status.CLOSED} <= statuses
    assert all(e.traces.exists() for e in Event.objects.all())
    assert ensure_demo_events() == 0  # idempotent
