from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mediation"
    verbose_name = _("矛盾纠纷多元化解")

    def ready(self):
        from governance.navigation import menu_register

        from . import actions, audit_labels, figures

        menu_register("mediation:list", _("矛盾纠纷"), position=37, rule=actions.may_read)
        menu_register("mediation:rates", _("三源治理"), position=38, rule=actions.may_read)
        menu_register(
            "mediation:rules", _("调解码规则"), position=39, rule=actions.may_configure_rules
        )
        menu_register(
            "mediation:links", _("对接部门"), position=39, rule=actions.may_configure_rules
        )
        figures.register()
        audit_labels.register()  # words for the audit trail
