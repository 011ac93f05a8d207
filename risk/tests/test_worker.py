"""Escalation on timeout by a real Celery worker (in a thread) consuming from Redis: the
beat's task, sent to the broker, moves a warning past its colour's time limit to the unit
one level up, notifies that unit, logs and audits it.

The worker has its own database connection, so the data must be committed: the test is
transactional (the database is flushed afterwards; `demo_areas` reloads the counties)."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from governance.celery import app
from governance.models import AuditLog, Notification
from governance.roles import Role
from governance.tests.factories import private_task_queue
from risk.evaluation import rule_evaluate
from risk.models import Warning
from risk.tasks import escalate_warnings_task
from risk.tests.factories import GRID, person_make, rule_make, tag_make

TIMEOUT = 30


@pytest.fixture
def private_queue(monkeypatch):
    """The escalation task goes to a queue of this test only."""
    with private_task_queue(monkeypatch, "risk.tasks.escalate_warnings_task", "risk-test") as q:
        yield q


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_escalates_a_warning_past_its_time_limit(
    demo_areas, make_user, private_queue
):
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    worker = make_user(Role.GRID_WORKER, GRID, "rw_worker")
    village = make_user(Role.VILLAGE_STAFF, grid.parent.code, "rw_village")
    person = person_make(actor=worker, grid=grid, name="钱七")
    tag_make(person, "drug")
    tag_make(person, "petition")
    rule = rule_make(
        name="超时升级测试",
        factors=[{"code": "tag", "weight": 10}],
        unit_level=6,
        time_limits={"red": 1, "orange": 2, "yellow": 3, "blue": 4, "green": 5},
    )
    rule_evaluate(rule)
    warning = Warning.objects.get(rule=rule, subject_id=person.pk)
    assert warning.colour_key == "blue" and warning.unit_path == grid.path  # 20 points
    # Its 4 hours have passed.
    Warning.objects.filter(pk=warning.pk).update(due_at=timezone.now() - timedelta(minutes=5))

    with start_worker(app, perform_ping_check=False, queues=[private_queue], shutdown_timeout=10):
        moved = escalate_warnings_task.delay().get(timeout=TIMEOUT)
        again = escalate_warnings_task.delay().get(timeout=TIMEOUT)

    assert moved == 1 and again == 0  # the new time limit has not passed yet
    warning.refresh_from_db()
    assert warning.unit_level == 5 and warning.unit_path == grid.parent.path
    assert warning.escalations == 1 and warning.status == "issued"
    assert timedelta(hours=3.9) < warning.due_at - timezone.now() <= timedelta(hours=4)
    assert warning.log.filter(kind="escalate", note=grid.path).count() == 1
    assert AuditLog.objects.filter(
        action="risk.warning_escalate", object_id=str(warning.pk)
    ).exists()
    assert Notification.objects.filter(user=village, kind="risk.warning").exists()
