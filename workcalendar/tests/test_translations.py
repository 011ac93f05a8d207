"""English for the calendar's messages (the app keeps its own catalogue)."""

import re
from pathlib import Path

from django.utils import translation

from workcalendar.models import DayKind
from workcalendar.services import CalendarYearUnknown

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_english_translation():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    for block in text.split("\n\n")[1:]:  # after the header
        msgstr = re.search(r'^msgstr "(.*)"((?:\n".*")*)', block, re.M)
        assert msgstr and (msgstr.group(1) or msgstr.group(2).strip()), block


def test_messages_render_in_english():
    with translation.override("en"):
        assert str(DayKind.MAKEUP_WORKDAY.label) == "Make-up working day"
        error = CalendarYearUnknown(years=[2099], supported=range(2004, 2027))
        assert error.messages[0].startswith("chinese-calendar ")
        assert "does not know the holidays of 2099 (it knows 2004–2026)" in error.messages[0]
