from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalendarConfig(AppConfig):
    name = "workcalendar"
    verbose_name = _("工作日历")

    def ready(self):
        from . import audit_labels, manage_pages

        audit_labels.register()  # words for the audit trail
        manage_pages.register()  # sections of 管理后台 (/manage/)
