"""The events app's sections of 管理后台 (governance.navigation.manage_section_register)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import manage_section_register
from governance.roles import Action


def register() -> None:
    manage_section_register(
        "manage-events:categories",
        _("事件分类与时限"),
        _("分类树、受理层级、受理/办理/核查时限(工作日)、办结是否须现场佐证(省级)。"),
        Action.CONFIGURE,
        position=30,
    )
    manage_section_register(
        "manage-events:routing",
        _("分派规则"),
        _("某类事件在某区域默认分派给哪个职能部门。"),
        Action.CONFIGURE,
        position=40,
    )
