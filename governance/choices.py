"""`get_FOO_display()` without rebuilding the field's choices on each call.

Django's `Model._get_FIELD_display` makes a dict of the field's choices every time it is
called, hashing each label — which evaluates each lazy translation: an inbox of twenty
cases (status, urgency, due state per row) spent a fifth of its Python there, ~360
translations a page. The choices of a model field do not change while the process runs;
the labels stay lazy here and are translated only for the value shown, in the active
language, so the text is the same as Django's."""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict = {}


def _labels(field) -> dict:
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = {
            make_hashable(value): label for value, label in field.flatchoices
        }
    return labels


def choice_label(field, value):
    """The label of `value` among the model field's choices, still lazy (translated when it
    is shown), or the value itself: the same object on every call, so a `{% memo %}` keys
    it by identity without translating it."""
    return _labels(field).get(make_hashable(value), value)


class ChoiceDisplayMixin:
    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(choice_label(field, value), strings_only=True)
