from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("网格")

    def ready(self):
        from governance.navigation import menu_register
        from governance.roles import Action

        menu_register("home", _("工作台"), Action.VIEW, position=10)
        menu_register("grids:area-browser", _("区域与网格"), Action.VIEW, position=80)

        from . import audit_labels, manage_pages

        audit_labels.register()  # words for the audit trail
        manage_pages.register()  # sections of 管理后台 (/manage/)
