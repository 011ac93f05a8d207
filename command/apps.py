from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "command"
    verbose_name = _("综合指挥调度")

    def ready(self):
        from governance import outbox
        from governance.navigation import menu_register

        from . import actions, subscribers

        # Dispatchers and leaders reach their received commands and the plans from 指挥调度.
        menu_register("command:mine", _("我的指令"), position=33, rule=actions.field_staff)
        menu_register("command:list", _("指挥调度"), position=34, rule=actions.may_issue)
        menu_register("command:map", _("指挥一张图"), position=34, rule=actions.may_command_map)
        menu_register("command:plans", _("应急预案"), position=34, rule=actions.may_configure_plans)
        outbox.subscribe("event.reported", subscribers.propose_plans_on_event, batch=True)
