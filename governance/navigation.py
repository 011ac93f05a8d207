"""The navigation a user sees follows what their roles let them do.

Each app registers its own entries (`menu_register` in its AppConfig.ready), with a
position: the kernel knows no page of the apps above it. An entry's rule is either an
action (shown to users whose roles grant it somewhere) or a predicate `rule(user)`; the
page itself enforces the same rule (`page_rule`), so the menu never offers a page that
refuses the user, and a page never trusts that the menu hid it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import Action, Role
from .scoping import jurisdiction_paths, user_role_rows
from .urlcache import fixed_reverse

Rule = Callable[[object], bool]

# (position, url name, label, rule)
_MENU: list[tuple[int, str, str, Rule]] = []


def action_rule(action: str) -> Rule:
    """The user's roles grant `action` somewhere."""

    def rule(user) -> bool:
        return bool(jurisdiction_paths(user, action))

    rule.__name__ = f"may_{action}"
    return rule


def role_rule(*roles: str) -> Rule:
    """The user holds one of `roles` somewhere."""

    def rule(user) -> bool:
        return any(r in roles for r, _a, _p, _d in user_role_rows(user))

    rule.__name__ = "holds_" + "_or_".join(roles)
    return rule


def page_rule(rule: Rule):
    """Decorator for a page view: 403 for a user the rule refuses (after login)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def menu_register(
    url_name: str, label, action: str | None = None, *, position: int, rule: Rule | None = None
) -> None:
    """Add a page to the navigation, shown to users the rule admits (default: those whose
    roles grant `action` somewhere). Positions today: home 10, events 20–30, collection
    40–70, grids 80, kernel 90–110."""
    if any(name == url_name for _p, name, _l, _r in _MENU):
        return  # registered already (ready() may run twice in tests)
    if rule is None:
        if action is None:
            raise ValueError("menu_register needs an action or a rule")
        rule = action_rule(action)
    _MENU.append((position, url_name, label, rule))
    _MENU.sort(key=lambda entry: entry[0])


def menu_for(user):
    if not user.is_authenticated:
        return []
    items = []
    for _position, name, label, rule in _MENU:
        if not rule(user):
            continue
        try:
            url = fixed_reverse(name)
        except NoReverseMatch:  # a page of an app not installed in this configuration
            continue
        items.append({"url": url, "label": label, "name": name})
    return items


def _manage_rule(user) -> bool:
    return any(jurisdiction_paths(user, a) for a in (Action.CONFIGURE, Action.GRANT))


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


# The API documentation is for those who connect systems: administrators.
may_read_api_docs = role_rule(Role.ADMIN)

menu_register("audit-log", _("审计日志"), Action.AUDIT, position=90)
menu_register("manage:home", _("管理后台"), position=95, rule=_manage_rule)
menu_register("two-factor-reset", _("重置动态口令"), Action.GRANT, position=100)
menu_register("swagger-ui", _("接口文档"), position=110, rule=may_read_api_docs)
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
