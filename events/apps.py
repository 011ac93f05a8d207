from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("事件协同处置")

    def ready(self):
        from governance.audit import register_personal_field
        from governance.navigation import menu_register
        from governance.roles import Action

        from . import actions  # noqa: F401  (registers the app's actions)
        from .masking import mask_phone

        # Reporters' numbers reach the audit trail only masked (see governance.audit).
        register_personal_field("reporter_phone", mask_phone)

        menu_register("events:inbox", _("事件处置"), Action.VIEW, position=20)
        menu_register("events:report", _("上报事件"), position=30, rule=actions.may_report)

        from . import figures

        figures.register()  # the events' rollup facts and named figures

        from . import audit_labels, manage_pages

        audit_labels.register()  # words for the audit trail
        manage_pages.register()  # sections of 管理后台 (/manage/)
