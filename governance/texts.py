"""Words shown to someone else than the one who wrote them, in the reader's language.

A notification is sent by one person's action and read by others, each in their own
language: it is stored as its source text (marked for translation) and the values put
into it, and translated when it is read (governance.notifications, Notification.shown_title).
No models here: the models use it to show what they store."""

from __future__ import annotations

import json

from django.utils import translation
from django.utils.functional import Promise


class Text:
    """A text shown to each reader in their language: `source`, a text marked for
    translation (`gettext_lazy`), with `%(name)s` placeholders for `values`. A value
    that is itself a marked text (an action's label, a dataset's name) is translated
    with it; any other value (a case's title, a count, a name) is shown as given.

        Text(_("新事件待受理:%(t)s"), t=event.title)
    """

    def __init__(self, source: Promise | str, **values):
        self.source = _msgid(source)
        self.values = {
            k: {"_": _msgid(v)} if isinstance(v, Promise) else v for k, v in values.items()
        }
        # Refused now, not when the first reader opens it: a value the JSON column cannot
        # hold, or a placeholder with no value.
        json.dumps(self.values)
        with translation.override(None):
            render_text(self.stored(), strict=True)

    def stored(self) -> list:
        return [self.source, self.values]

    def __str__(self) -> str:
        return render_text(self.stored())


def _msgid(text) -> str:
    """The source (Chinese) text of a marked text: what gettext looks up."""
    with translation.override(None):
        return str(text)


def render_text(stored, *, strict: bool = False) -> str:
    """A stored `Text` in the active language. A translation that does not fit its
    values (a catalogue out of step) falls back to the source text."""
    source, values = stored
    values = {
        k: translation.gettext(v["_"]) if isinstance(v, dict) else v for k, v in values.items()
    }
    try:
        return translation.gettext(source) % values
    except (KeyError, ValueError, TypeError):
        if strict:
            raise
        return source % values
