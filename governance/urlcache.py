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

_CACHE: dict[tuple[str, str, str, bool], str | None] = {}
_MISSING = None
# Reversed in place of an integer argument, then replaced by the real one: rows of a list
# link their pages (`{% fixed_url 'collection:person-detail' p.pk %}`).
_SLOT = "987654321987654321"


def fixed_reverse(name: str, pk: int | None = None) -> str:
    """`reverse(name)` for a URL name without arguments, or `reverse(name, args=[pk])` for
    one with a single integer argument; NoReverseMatch as reverse."""
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), name, pk is not None)
    try:
        url = _CACHE[key]
    except KeyError:
        try:
            url = reverse(name) if pk is None else reverse(name, args=[int(_SLOT)])
        except NoReverseMatch:
            url = _MISSING
        if pk is not None and url is not _MISSING and url.count(_SLOT) != 1:
            url = _MISSING  # not a plain integer slot: let reverse() decide every time
        _CACHE[key] = url
    if url is _MISSING:
        return reverse(name) if pk is None else reverse(name, args=[pk])
    if pk is None:
        return url
    if isinstance(pk, bool) or not isinstance(pk, int):
        return reverse(name, args=[pk])
    return url.replace(_SLOT, str(pk))
