from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessment"
    verbose_name = _("智能考核评价")

    def ready(self):
        from governance.navigation import menu_register

        from . import actions, audit_labels

        audit_labels.register()  # words for the audit trail
        menu_register(
            "assessment:schemes", _("考核评价"), position=75, rule=actions.may_read_schemes
        )
        menu_register("assessment:board", _("挂图作战"), position=76, rule=actions.may_read_schemes)
