"""The navigation a user sees follows what their roles let them do.

Each app registers its own entries (`menu_register` in its AppConfig.ready), with a
position: the kernel knows no page of the apps above it. An entry's rule is either an
action (shown to users whose roles grant it somewhere) or a predicate `rule(user)`; the
page itself enforces the same rule (`page_rule`), so the menu never offers a page that
refuses the user, and a page never trusts that the menu hid it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from .memo_keys import Keyed
from .roles import Action, Role
from .scoping import jurisdiction_paths, user_role_rows
from .urlcache import fixed_reverse

Rule = Callable[[object], bool]

# (position, url name, label, rule)
_MENU: list[tuple[int, str, str, Rule]] = []


def reads_only_roles(rule: Rule) -> Rule:
    """Marks a rule whose answer follows from the user's role rows alone
    (`user_role_rows`: what `action_rule`, `role_rule` and `access.allowed` on an area
    read). While every menu rule is so marked, the menu is kept per role mix instead of
    being worked out on every page; one unmarked rule and it is worked out per request."""
    rule.reads_only_roles = True
    return rule


def action_rule(action: str) -> Rule:
    """The user's roles grant `action` somewhere."""

    def rule(user) -> bool:
        return bool(jurisdiction_paths(user, action))

    rule.__name__ = f"may_{action}"
    return reads_only_roles(rule)


def role_rule(*roles: str) -> Rule:
    """The user holds one of `roles` somewhere."""

    def rule(user) -> bool:
        return any(r in roles for r, _a, _p, _d in user_role_rows(user))

    rule.__name__ = "holds_" + "_or_".join(roles)
    return reads_only_roles(rule)


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
    _KEPT.clear()


# The menu of each role mix (and URL prefix and urlconf, which its links follow): every
# page shows it, and its dozen rules come to the same answer for the same role rows. One
# menu object per distinct content, so that the layout's {% memo %} keeps one copy of it.
_KEPT: dict = {}
_SAME_MENUS: dict = {}
KEPT_MENUS = 4096


def menu_for(user):
    if not user.is_authenticated:
        return Keyed.of(())
    if not all(getattr(rule, "reads_only_roles", False) for *_entry, rule in _MENU):
        return _menu_of(user)
    urlconf = str(get_urlconf() or settings.ROOT_URLCONF)  # tests override the setting
    key = (get_script_prefix(), urlconf, tuple(user_role_rows(user)))
    menu = _KEPT.get(key)
    if menu is None:
        menu = _menu_of(user)
        menu = _SAME_MENUS.setdefault(menu.memo_key, menu)
        if len(_KEPT) >= KEPT_MENUS:
            _KEPT.clear()
            _SAME_MENUS.clear()
        _KEPT[key] = menu
    return menu


def _menu_of(user) -> Keyed:
    items = []
    for _position, name, label, rule in _MENU:
        if not rule(user):
            continue
        try:
            url = fixed_reverse(name)
        except NoReverseMatch:  # a page of an app not installed in this configuration
            continue
        items.append({"url": url, "label": label, "name": name})
    return Keyed.of(items)


@reads_only_roles
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
