"""The navigation a user sees follows the actions their roles grant.

Each app registers its own entries (`menu_register` in its AppConfig.ready), with a
position: the kernel knows no page of the apps above it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Action
from .scoping import jurisdiction_paths

# (position, url name, label, action needed)
_MENU: list[tuple[int, str, str, str]] = []


def menu_register(url_name: str, label, action: str, *, position: int) -> None:
    """Add a page to the navigation, shown to users whose roles grant `action` somewhere.
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
        if jurisdiction_paths(user, action)
    ]


menu_register("audit-log", _("审计日志"), Action.AUDIT, position=90)
menu_register("two-factor-reset", _("重置动态口令"), Action.CONFIGURE, position=100)
