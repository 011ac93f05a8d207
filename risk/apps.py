from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risk"
    verbose_name = _("智防风险")

    def ready(self):
        from governance import outbox
        from governance.navigation import menu_register

        from . import actions, figures, subscribers

        menu_register("risk:warnings", _("风险预警"), position=35, rule=actions.may_read_warnings)
        menu_register("risk:rules", _("预警规则"), position=36, rule=actions.may_configure_rules)
        outbox.subscribe("event", subscribers.reevaluate_on_event, batch=True)
        outbox.subscribe("change.people", subscribers.reevaluate_on_person_change, batch=True)
        outbox.subscribe("change.visits", subscribers.reevaluate_on_visit, batch=True)
        figures.register()
