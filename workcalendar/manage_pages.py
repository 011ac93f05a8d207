"""The calendar's section of 管理后台 (governance.navigation.manage_section_register)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import manage_section_register
from governance.roles import Action


def register() -> None:
    manage_section_register(
        "manage-calendar:calendar",
        _("工作日历"),
        _("法定节假日和调休上班日:导入国务院安排,或按年手工维护(如 2027 年)。"),
        Action.CONFIGURE,
        position=50,
    )
