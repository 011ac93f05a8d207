"""The scheduled overdue marking, run by a real Celery worker against Redis."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from events.models import DueState, Event
from events.tasks import mark_due_events_task
from governance.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_marks_overdue_cases(demo_areas, make_user):
    from events.models import EventCategory
    from events.services import event_report
    from governance.roles import Role
    from grids.models import Area

    grid = Area.objects.filter(level=6, code__startswith="220102").order_by("code").first()
    worker = make_user(Role.GRID_WORKER, grid.code, "celery_grid")
    make_user(Role.VILLAGE_STAFF, grid.parent.code, "celery_village")
    e = event_report(
        actor=worker, title="超期测试", category=EventCategory.objects.get(code="0101"), grid=grid
    )
    Event.objects.filter(pk=e.pk).update(step_deadline=timezone.now() - dt.timedelta(hours=1))

    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
        result = mark_due_events_task.delay()
        counts = result.get(timeout=30)

    assert counts["overdue"] == 1
    e.refresh_from_db()
    assert e.due_state == DueState.OVERDUE
    assert e.traces.filter(action="overdue").exists()


def test_beat_schedules_the_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["mark-due-events"]
    assert entry["task"] == "events.tasks.mark_due_events_task" and entry["schedule"] <= 600
