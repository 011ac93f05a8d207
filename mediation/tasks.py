from celery import shared_task

from .services import follow_ups_create_due


@shared_task
def create_follow_ups_task() -> int:
    """Follow-up visits (回访) due 30 days after a successful mediation (Celery beat)."""
    return follow_ups_create_due()
