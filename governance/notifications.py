"""Sending in-platform notifications (and e-mail where configured)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .models import Notification


def notify(*, users, kind: str, title: str, body: str = "", url: str = "") -> int:
    """One notification per user, in one statement; e-mail queued after commit."""
    rows = Notification.objects.bulk_create(
        [
            Notification(user=u, kind=kind, title=title[:200], body=body, url=url)
            for u in {u.pk: u for u in users}.values()
        ]
    )
    if rows and getattr(settings, "EMAIL_NOTIFICATIONS", False):
        from .tasks import send_notification_email_task

        for n in rows:
            if n.user.email:
                transaction.on_commit(lambda pk=n.pk: send_notification_email_task.delay(pk))
    return len(rows)
