from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("治理内核")

    def ready(self):
        # Register the kernel's Celery tasks in every process (web included): the outbox
        # queues its drain by task name after each commit.
        from . import (
            audit_labels,  # noqa: F401  (the kernel's words for the audit trail)
            tasks,  # noqa: F401
        )
