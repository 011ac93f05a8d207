from celery import shared_task
from django.core import management


@shared_task
def clear_expired_sessions_task():
    management.call_command("clearsessions")


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_notification_email_task(notification_id):
    from django.conf import settings
    from django.core.mail import send_mail

    from .models import Notification

    n = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if n is None or not n.user.email:
        return
    send_mail(n.title, f"{n.body}\n\n{settings.SITE_URL}{n.url}", None, [n.user.email])


@shared_task(ignore_result=True)
def drain_outbox_task():
    """Queued after every commit that wrote outbox messages, and periodic (beat): hand
    the committed messages to their subscribers (governance.outbox)."""
    from .coalesce import drain_started
    from .outbox import DRAIN_TASK, outbox_drain

    drain_started(DRAIN_TASK)
    outbox_drain()


@shared_task(ignore_result=True)
def purge_outbox_task():
    """Periodic (daily): messages processed more than a week ago."""
    from .outbox import outbox_purge

    outbox_purge()


@shared_task(ignore_result=True)
def figures_drain_task():
    """Queued after every commit that changed counted rows, and periodic (beat): apply the
    pending deltas to the rollups (governance.figures.figures_drain)."""
    from .coalesce import drain_started
    from .figures import DRAIN_TASK, figures_drain

    drain_started(DRAIN_TASK)
    figures_drain()


@shared_task
def figures_reconcile_task():
    """Nightly (beat): re-derive the rollups from the raw tables, report and repair any
    difference (governance.figures.figures_reconcile)."""
    from .figures import figures_reconcile

    return figures_reconcile()
