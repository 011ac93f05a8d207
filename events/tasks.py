from celery import shared_task

from . import services


@shared_task
def mark_due_events_task():
    """Every few minutes: flag near-due and overdue cases (set-based)."""
    return services.events_mark_due()
