from celery import shared_task

from .positions import positions_purge
from .services import commands_remind_and_escalate


@shared_task
def remind_escalate_commands_task() -> dict:
    """Reminders before a command's deadline, escalation after it (Celery beat)."""
    return commands_remind_and_escalate()


@shared_task
def purge_positions_task() -> int:
    """Staff positions older than 30 days are deleted (Celery beat, nightly)."""
    return positions_purge()
