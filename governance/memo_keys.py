"""Exact, hashable keys for the per-process memos of rendered HTML (the form renderer's
widgets, the `{% memo %}` fragments of the layout): a value becomes a key only when the
key holds all of it, so equal keys mean equal HTML; anything else raises Unkeyable and is
rendered as usual."""

from __future__ import annotations

from django.forms.models import ModelChoiceIteratorValue
from django.utils.functional import Promise
from django.utils.safestring import SafeString


class Unkeyable(Exception):
    pass


class Same:
    """Stands in a key for an object that is equal only to itself: a lazy translation
    made once (a menu label, a field's choices), whose text is fixed for the object and
    the language. The key holds the object, so its id cannot be reused while the key
    lives; hashing by id avoids translating it for the key."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return type(other) is Same and other.obj is self.obj


class Keyed(tuple):
    """A tuple that carries its key, worked out once when it was made (the menu, kept per
    role mix: governance/navigation.py), so a memo does not walk it on every page. Its
    lazy translations are keyed by identity: only for long-lived labels. Being a tuple of
    values made once and shared, it must not be changed after it is made."""

    memo_key: tuple

    @classmethod
    def of(cls, items) -> Keyed:
        kept = cls(items)
        kept.memo_key = ("keyed", freeze(list(kept), lazy_by_identity=True))
        return kept


def freeze(value, lazy_by_identity: bool = False):
    """The key of `value`. A lazy translation is keyed by its text — or, with
    `lazy_by_identity`, by the object itself, which saves translating it for the key but
    misses when the same text comes in a new object (right for long-lived labels, not for
    ones made per request)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    # True == 1 == 1.0 as keys, but they render as "True", "1" and "1.0".
    if kind is bool or kind is float:
        return (kind.__name__, value)
    if kind is dict:
        return ("dict", *[(k, freeze(v, lazy_by_identity)) for k, v in value.items()])
    if kind is list or kind is tuple:
        return ("seq", *[freeze(v, lazy_by_identity) for v in value])
    if kind is SafeString:  # renders unescaped: not the same as a str of the same text
        return ("safe", str(value))
    if isinstance(value, Promise):  # a lazy translation, as the active language gives it
        return Same(value) if lazy_by_identity else str(value)
    if kind is ModelChoiceIteratorValue:
        return ("mciv", str(value))
    if kind is Keyed:
        return value.memo_key
    raise Unkeyable
