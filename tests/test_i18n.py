"""The Chinese catalogue covers every UI string of the screens, and holds nothing else."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.pofile import read_po

from backend.platform.i18n import CATALOGUES, Translator

ROOT = Path(__file__).resolve().parent.parent
UI_FOLDERS = ("layouts", "callbacks", "dashboard")
# The role names every screen shows are defined with the roles.
UI_FILES = ("backend/accounts/permissions.py",)
# The login page is a Jinja template inside a Python string, and its error message is translated
# with a Translator built on the spot; Babel's Python extractor sees neither.
JINJA_CALL = re.compile(r"""\b_\(\s*'([^']+)'\s*\)""")
DIRECT_CALL = re.compile(r"""Translator\([^()]*\)\(\s*"([^"]+)"\s*\)""")


def extracted() -> set[str]:
    found = set()
    for folder in UI_FOLDERS:
        for _filename, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None}):
            found.add(message)
    for name in UI_FILES:
        with open(ROOT / name, "rb") as source:
            found |= {message for _line, _function, message, _comments in extract_python(source, ["_"], [], {})}
    auth = (ROOT / "dashboard" / "auth.py").read_text(encoding="utf-8")
    return found | set(JINJA_CALL.findall(auth)) | set(DIRECT_CALL.findall(auth))


def catalogue():
    with open(CATALOGUES / "zh_Hans" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def used() -> set[str]:
    return extracted()


def test_extraction_finds_the_screens_strings(used):
    assert {"Grid Command Centre", "Sign in", "Wrong user name or password.", "Reports today", "Duty officer",
            "Updated {time}"} <= used


def test_every_ui_string_has_a_chinese_translation(used):
    translations = {message.id: message.string for message in catalogue() if message.id}
    missing = sorted(m for m in used if not translations.get(m, "").strip())
    assert missing == []


def test_catalogue_has_no_stale_entries(used):
    stale = sorted(message.id for message in catalogue() if message.id and message.id not in used)
    assert stale == []


def placeholders(text: str) -> list[str]:
    return sorted(name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name)


def test_translations_keep_their_placeholders():
    for message in catalogue():
        if message.id:
            assert placeholders(message.string) == placeholders(message.id), message.id


def test_catalogue_header_declares_simplified_chinese_utf8():
    header = (CATALOGUES / "zh_Hans" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert '"Language: zh_Hans\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header


def test_translator_uses_the_catalogue():
    _ = Translator("zh_Hans")
    assert _("Open cases") == "在办案件"
    assert _("Updated {time}").format(time="08:00") == "更新于 08:00"
    assert Translator("en")("Open cases") == "Open cases"
