from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver_webhook_task(delivery_id):
    services.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def requeue_webhook_deliveries_task():
    """Periodic (e.g. every 5 minutes): deliveries whose message was lost."""
    services.webhook_deliveries_requeue_due()


@shared_task(ignore_result=True)
def purge_idempotency_keys_task():
    """Periodic (e.g. daily): keys older than 24 hours."""
    services.idempotency_keys_purge()
