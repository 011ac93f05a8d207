"""Overdue escalation by a real Celery worker (in a thread) consuming from Redis: the
beat's task marks the late recipient overdue, tells the issuer and the recipient's
supervisors, audits it — and a second run changes nothing.

The worker has its own database connection, so the data is committed (transactional
test; `demo_areas` reloads the counties after the flush)."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from command.models import Command, CommandRecipient
from command.services import RecipientSpec, command_issue, command_sign
from command.tasks import remind_escalate_commands_task
from command.tests.factories import GRID, NANGUAN
from governance.celery import app
from governance.models import AuditLog, Notification
from governance.roles import Role
from governance.tests.factories import private_task_queue

TIMEOUT = 30


@pytest.fixture
def private_queue(monkeypatch):
    with private_task_queue(
        monkeypatch, "command.tasks.remind_escalate_commands_task", "command-test"
    ) as q:
        yield q


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_escalates_an_overdue_command(demo_areas, make_user, private_queue):
    from grids.models import Area

    grid = Area.objects.get(code=GRID)
    dispatcher = make_user(Role.COUNTY_DISPATCHER, NANGUAN, "cw_dispatcher")
    worker = make_user(Role.GRID_WORKER, GRID, "cw_worker")
    village = make_user(Role.VILLAGE_STAFF, grid.parent.code, "cw_village")
    command = command_issue(
        actor=dispatcher,
        area=Area.objects.get(code=NANGUAN),
        title="限时排查",
        deadline=timezone.now() + timedelta(hours=1),
        recipients=RecipientSpec(users=[worker.pk]),
    )
    command_sign(actor=worker, command=command)
    Command.objects.filter(pk=command.pk).update(deadline=timezone.now() - timedelta(minutes=3))

    with start_worker(app, perform_ping_check=False, queues=[private_queue], shutdown_timeout=10):
        first = remind_escalate_commands_task.delay().get(timeout=TIMEOUT)
        again = remind_escalate_commands_task.delay().get(timeout=TIMEOUT)

    assert first == {"reminded": 0, "escalated": 1}
    assert again == {"reminded": 0, "escalated": 0}
    row = CommandRecipient.objects.get(command=command)
    assert row.overdue and row.escalated_at and row.state == "signed"
    for user in (dispatcher, worker, village):
        assert Notification.objects.filter(user=user, kind="command.overdue").count() == 1
    assert (
        AuditLog.objects.filter(action="command.escalate", object_id=str(command.pk)).count() == 1
    )
