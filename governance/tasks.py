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
