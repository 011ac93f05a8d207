"""The integrations' section of 管理后台 (governance.navigation.manage_section_register)."""

from django.utils.translation import gettext_lazy as _

from governance.navigation import manage_section_register
from governance.roles import Action


def register() -> None:
    manage_section_register(
        "manage-integrations:departments",
        _("职能部门与系统对接"),
        _("职能部门;其业务系统的接口令牌和事件推送订阅(带签名的推送)。"),
        Action.CONFIGURE,
        position=20,
    )
