from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("部门系统对接")

    def ready(self):
        from governance import outbox

        from .subscribers import (
            CHANGE_SUBSCRIBER,
            EVENT_SUBSCRIBER,
            webhooks_for_change,
            webhooks_for_event,
        )

        # Department systems hear of changes and of cases' steps through the outbox.
        outbox.subscribe("change", webhooks_for_change, name=CHANGE_SUBSCRIBER, batch=True)
        outbox.subscribe("event", webhooks_for_event, name=EVENT_SUBSCRIBER, batch=True)

        from . import audit_labels, manage_pages

        audit_labels.register()  # words for the audit trail
        manage_pages.register()  # sections of 管理后台 (/manage/)
