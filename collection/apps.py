from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = _("信息采集")

    def ready(self):
        from governance.audit import register_personal_field
        from governance.navigation import menu_register
        from governance.roles import Action

        from . import (
            actions,  # noqa: F401  (registers the app's actions)
            tasks,  # noqa: F401  (registers the Celery tasks the services queue by name)
        )
        from .policy import MASKERS, PERSONAL_FIELDS

        # The audit trail stores these only masked, whichever service writes them.
        for field in PERSONAL_FIELDS:
            register_personal_field(field, MASKERS[field])

        menu_register("collection:my-grid", _("基础信息"), position=40, rule=actions.is_grid_worker)
        menu_register("collection:people", _("人口与房屋"), Action.VIEW, position=50)
        menu_register("collection:imports", _("数据导入"), position=60, rule=actions.may_import)
        menu_register(
            "collection:transfers", _("迁入申请"), position=70, rule=actions.may_change_basedata
        )

        from . import figures

        figures.register()  # base data's rollup facts and named figures

        from . import audit_labels, manage_pages

        audit_labels.register()  # words for the audit trail
        manage_pages.register()  # sections of 管理后台 (/manage/)
