"""Reversed URLs kept per process: the layout's links and a list's row links.

Every page's layout links some thirty pages (the menu, the top bar, the offline app's
scripts) and a list links each row's page twice; `reverse()` of a namespaced name costs
tens of microseconds, a millisecond or more a page. The URL of a name without arguments
only changes with the URL configuration and the script prefix, which are part of the key
(tests that override ROOT_URLCONF get their own entries). A name with one argument is
reversed once with a placeholder, which each row's value then replaces: only for values
that reverse() would not quote and that its converters take as they are (a non-negative
integer, or letters, digits, `-` and `_` for `str` and `slug`); anything else goes
through reverse() itself."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_CACHE: dict[tuple, str | None] = {}
_MISSING = None
_PLAIN = re.compile(r"[A-Za-z0-9_-]+")
_INT_SLOT = 987654321987654321
_STR_SLOT = "zzslot987654321zz"


def _kind(arg) -> str | None:
    """Which placeholder stands for `arg`, or None when reverse() must see it."""
    if arg is None:
        return ""
    if type(arg) is int:
        return "int" if arg >= 0 else None
    if type(arg) is str and _PLAIN.fullmatch(arg):
        return "str"
    return None


def fixed_reverse(name: str, arg: int | str | None = None) -> str:
    """`reverse(name)`, or `reverse(name, args=[arg])`; NoReverseMatch as reverse."""
    kind = _kind(arg)
    if kind is None:
        return reverse(name, args=[arg])
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), name, kind)
    try:
        url = _CACHE[key]
    except KeyError:
        slot = {"": None, "int": _INT_SLOT, "str": _STR_SLOT}[kind]
        try:
            url = reverse(name) if slot is None else reverse(name, args=[slot])
        except NoReverseMatch:
            url = _MISSING
        if slot is not None and url is not _MISSING and url.count(str(slot)) != 1:
            url = _MISSING  # not a plain slot: let reverse() decide every time
        _CACHE[key] = url
    if url is _MISSING:
        return reverse(name) if arg is None else reverse(name, args=[arg])
    return (
        url
        if arg is None
        else url.replace(str(_INT_SLOT if kind == "int" else _STR_SLOT), str(arg))
    )
