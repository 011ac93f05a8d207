"""Every user-facing string of the app has its English translation in command/locale."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent
PO = APP / "locale" / "en" / "LC_MESSAGES" / "django.po"
_CALL = re.compile(r'\b_\(\s*((?:"[^"\n]*"\s*)+)\)')
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_msgids() -> set[str]:
    found = set()
    for path in [*APP.glob("*.py"), *APP.glob("api/*.py")]:
        for match in _CALL.finditer(path.read_text()):
            found.add("".join(re.findall(r'"([^"\n]*)"', match.group(1))))
    return found


def catalogue() -> dict[str, str]:
    entries = re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', PO.read_text(), re.MULTILINE)
    return {msgid: msgstr for msgid, msgstr in entries if msgid}


def test_every_message_is_translated_with_the_same_placeholders():
    msgids = source_msgids()
    assert len(msgids) >= 20
    translations = catalogue()
    assert msgids <= translations.keys(), msgids - translations.keys()
    for msgid, msgstr in translations.items():
        assert msgstr, msgid
        assert sorted(_PLACEHOLDER.findall(msgid)) == sorted(_PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
def test_catalogue_compiles(tmp_path):
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(tmp_path / "django.mo"), str(PO)], check=True
    )
