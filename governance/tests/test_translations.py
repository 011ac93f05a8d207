"""English is available and complete (Chinese is the source language)."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith('msgid ""\nmsgstr ""\n"Project'):
            continue
        yield block


def test_every_message_has_an_english_translation():
    text = PO.read_text(encoding="utf-8")
    missing = []
    for block in _entries(text):
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        if msgid is None or (msgid.group(1) == "" and "msgid_plural" not in block):
            continue  # the header
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if not strs or any(first == "" and not rest.strip() for first, rest in strs):
            missing.append(msgid.group(1))
        assert "#, fuzzy" not in block, msgid.group(1)
    assert missing == []
