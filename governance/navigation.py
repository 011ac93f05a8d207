"""The navigation a user sees follows the actions their roles grant.

Each app registers its own entries (`menu_register` in its AppConfig.ready), with a
position: the kernel knows no page of the apps above it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Action
from .scoping import jurisdiction_paths

# (position, url name, label, action needed — or a tuple: any of them)
_MENU: list[tuple[int, str, str, str | tuple[str, ...]]] = []


def _granted(user, action) -> bool:
    actions = action if isinstance(action, tuple) else (action,)
    return any(jurisdiction_paths(user, a) for a in actions)


def menu_register(url_name: str, label, action, *, position: int) -> None:
    """Add a page to the navigation, shown to users whose roles grant `action` (or any
    action of a tuple) somewhere.
    Positions today: home 10, events 20–30, collection 40–70, grids 80, kernel 90–110."""
    if any(name == url_name for _p, name, _l, _a in _MENU):
        return  # registered already (ready() may run twice in tests)
    _MENU.append((position, url_name, label, action))
    _MENU.sort(key=lambda entry: entry[0])


def menu_for(user):
    if not user.is_authenticated:
        return []
    return [
        {"url": reverse(name), "label": label, "name": name}
        for _position, name, label, action in _MENU
        if _granted(user, action)
    ]


# 管理后台 (/manage/): (position, url name, label, description, action needed)
_MANAGE: list[tuple[int, str, str, str, str]] = []


def manage_section_register(url_name: str, label, description, action: str, *, position: int):
    """Add a section to the administrators' home (/manage/): each app registers the pages
    that configure what it owns, with the action they need (CONFIGURE for the system
    administrator, GRANT for the security administrator)."""
    if any(name == url_name for _p, name, _l, _d, _a in _MANAGE):
        return
    _MANAGE.append((position, url_name, label, description, action))
    _MANAGE.sort(key=lambda entry: entry[0])


def manage_sections_for(user):
    if not user.is_authenticated:
        return []
    return [
        {"url": reverse(name), "label": label, "description": description, "name": name}
        for _position, name, label, description, action in _MANAGE
        if jurisdiction_paths(user, action)
    ]


menu_register("audit-log", _("审计日志"), Action.AUDIT, position=90)
menu_register("manage:home", _("管理后台"), (Action.CONFIGURE, Action.GRANT), position=95)
menu_register("two-factor-reset", _("重置动态口令"), Action.GRANT, position=100)
menu_register("swagger-ui", _("接口文档"), Action.VIEW, position=110)
manage_section_register(
    "manage:users",
    _("用户与角色"),
    _("查找账户,新建账户,分配和撤销角色,停用、启用,重置密码(安全管理员)。"),
    Action.GRANT,
    position=10,
)
manage_section_register(
    "two-factor-reset",
    _("重置动态口令"),
    _("用户丢失手机时,清除其动态口令,下次登录重新绑定。"),
    Action.GRANT,
    position=15,
)
