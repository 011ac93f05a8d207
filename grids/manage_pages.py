"""The grids' section of 管理后台 (governance.navigation.manage_section_register)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import manage_section_register
from governance.roles import Action


def register() -> None:
    manage_section_register(
        "grids:area-browser",
        _("区域与网格"),
        _("六级区域树与网格边界;边界由运维人员用导入命令载入,并做拓扑检查。"),
        Action.CONFIGURE,
        position=25,
    )
