import pytest

from command.models import Command, Plan
from demo.command import PLANS, ensure_demo_command
from demo.users import ensure_demo_users

pytestmark = pytest.mark.django_db


def test_demo_plans_and_command():
    ensure_demo_users()
    assert ensure_demo_command() == len(PLANS)
    assert Plan.objects.filter(active=True).count() == len(PLANS)
    assert all(p.steps.exists() for p in Plan.objects.all())
    command = Command.objects.get()
    assert command.recipients.get().user.username == "grid_worker"
    assert ensure_demo_command() == 0  # idempotent
