"""Reversed URLs of pages without arguments, kept per process.

Every page's layout links some thirty pages (the menu, the top bar, the offline app's
scripts); `reverse()` of a namespaced name costs tens of microseconds, about a millisecond a
page. The URL of a name without arguments only changes with the URL configuration and the
script prefix, which are part of the key (tests that override ROOT_URLCONF get their own
entries; Django's `setting_changed` handler clears its own caches, not this one, hence
the key)."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

_CACHE: dict[tuple[str, str, str], str | None] = {}
_MISSING = None


def fixed_reverse(name: str) -> str:
    """`reverse(name)` for a URL name that takes no arguments; NoReverseMatch as reverse."""
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), name)
    try:
        url = _CACHE[key]
    except KeyError:
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = _MISSING
        _CACHE[key] = url
    if url is _MISSING:
        raise NoReverseMatch(f"Reverse for '{name}' not found.")
    return url
