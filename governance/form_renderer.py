"""The form renderer: Django's, remembering the HTML of widgets it rendered already.

A form page's widgets are a third of its Python (the report form's category and urgency
selects, the person form's selects): every option goes through Django's widget
templates again on each request, though the HTML only depends on what the template is
given. This renderer keeps the HTML of a widget per process, keyed by the template and
everything in its context (name, attributes, options with their labels, the value) and
the active language; a new option, label, attribute or value is a new key, so nothing is
ever stale. Kept only for choice widgets whose value is one of their options (not something
someone typed) and for inputs that are empty, so no one's input is kept in memory; anything the
key cannot hold exactly (an unknown object) is rendered as before."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .memo_keys import Unkeyable, freeze

# At most this many widgets' HTML, each at most MAX_HTML characters (a select of a few
# hundred addresses is rendered each time, not kept): a few MB a process at worst.
MAX_ENTRIES = 256
MAX_HTML = 32_768


def _keepable(widget: dict) -> bool:
    if "optgroups" in widget:  # kept when what is selected is among the options
        offered = {str(o["value"]) for _group, options, _i in widget["optgroups"] for o in options}
        return all(str(v) in offered for v in widget.get("value") or [])
    value = widget.get("value")
    return value is None or value == "" or value == []


class MemoDjangoTemplates(DjangoTemplates):
    def __init__(self):
        super().__init__()
        self._memo: dict = {}

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if request is None and len(context) == 1 else None
        if not isinstance(widget, dict) or not _keepable(widget):
            return super().render(template_name, context, request)
        try:
            key = (template_name, get_language(), freeze(widget))
        except Unkeyable:
            return super().render(template_name, context, request)
        html = self._memo.get(key)
        if html is None:
            html = super().render(template_name, context, request)
            if len(html) > MAX_HTML:
                return html
            if len(self._memo) >= MAX_ENTRIES:
                self._memo.clear()
            self._memo[key] = html
        return mark_safe(html)
