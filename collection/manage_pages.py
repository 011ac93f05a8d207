"""Base data's sections of 管理后台 (governance.navigation.manage_section_register)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import manage_section_register
from governance.roles import Action


def register() -> None:
    manage_section_register(
        "collection:task-items",
        _("网格事务准入清单"),
        _("县区、乡镇规定网格员须采集的事项和走访周期(调度员和乡镇也在此维护)。"),
        Action.CONFIGURE,
        position=60,
    )
    manage_section_register(
        "manage-collection:schemas",
        _("扩展字段与特殊人群字段"),
        _("各数据类的扩展字段、各类特殊人群的专项字段(字段定义,省级)。"),
        Action.CONFIGURE,
        position=70,
    )
    manage_section_register(
        "manage-collection:field-policy",
        _("字段脱敏策略"),
        _("各角色看到的身份证号、手机号、健康信息:明文、脱敏或隐藏。"),
        Action.CONFIGURE,
        position=80,
    )
