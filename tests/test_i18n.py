"""The Chinese catalogue covers every UI string of the screens, and holds nothing else."""
from __future__ import annotations

import string
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.pofile import read_po

from backend.platform.i18n import CATALOGUES, Translator

ROOT = Path(__file__).resolve().parent.parent
UI_FOLDERS = ("layouts", "callbacks", "dashboard", "backend/open311")
# The role names every screen shows are defined with the roles.
UI_FILES = ("backend/accounts/permissions.py",)
# Python modules call the Translator as `_` (and `_.ngettext`); templates (the sign-in page) as Jinja's `_`.
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def extracted() -> set[str]:
    found = set()
    for folder in UI_FOLDERS:
        for _filename, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=METHODS, keywords=KEYWORDS):
            found.add(message)
    for name in UI_FILES:
        with open(ROOT / name, "rb") as source:
            found |= {message for _line, _function, message, _comments in extract_python(source, KEYWORDS, [], {})}
    return found


def catalogue():
    with open(CATALOGUES / "zh_Hans" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def used() -> set[str]:
    return extracted()


def test_extraction_finds_the_screens_strings(used):
    assert {"Grid Command Centre", "Sign in", "Wrong user name or password.", "Reports today", "Duty officer",
            "Updated {time}", "{name} ({group})"} <= used
    assert any(isinstance(message, tuple) for message in used)  # the plural of Open311's service notice


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's id or translation as its forms: one, or one per plural form."""
    return text if isinstance(text, tuple) else (text,)


def test_every_ui_string_has_a_chinese_translation(used):
    translations = {message.id: message.string for message in catalogue() if message.id}
    missing = sorted(str(m) for m in used if not all(form.strip() for form in forms(translations.get(m, ""))))
    assert missing == []


def test_catalogue_has_no_stale_entries(used):
    stale = sorted(message.id for message in catalogue() if message.id and message.id not in used)
    assert stale == []


def placeholders(text: str) -> list[str]:
    return sorted(name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name)


def test_translations_keep_their_placeholders():
    for message in catalogue():
        if message.id:
            for translation in forms(message.string):
                assert placeholders(translation) == placeholders(forms(message.id)[0]), message.id


def test_catalogue_header_declares_simplified_chinese_utf8():
    header = (CATALOGUES / "zh_Hans" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert '"Language: zh_Hans\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header


def test_translator_uses_the_catalogue():
    _ = Translator("zh_Hans")
    assert _("Open cases") == "在办案件"
    assert _("Updated {time}").format(time="08:00") == "更新于 08:00"
    assert Translator("en")("Open cases") == "Open cases"


NOTICE = ("The command centre registers and dispatches the report; it is to be handled within {hours} hour of "
          "dispatch.", "The command centre registers and dispatches the report; it is to be handled within {hours} "
          "hours of dispatch.")


def test_plural_forms_follow_the_count_in_each_language():
    english, chinese = Translator("en"), Translator("zh_Hans")
    assert english.ngettext(*NOTICE, 1) == NOTICE[0]
    assert english.ngettext(*NOTICE, 2) == english.ngettext(*NOTICE, 1.5) == NOTICE[1]
    assert chinese.ngettext(*NOTICE, 1) == chinese.ngettext(*NOTICE, 24) == "指挥中心受理并派遣；派遣后 {hours} 小时内处置。"


def test_numbers_and_times_are_written_as_the_language_writes_them():
    moment = datetime(2026, 1, 1, 0, 5, 7, tzinfo=timezone.utc)
    assert Translator("en").number(12000.5) == "12,000.5" and Translator("en").number(24.0) == "24"
    assert Translator("zh_Hans").clock(moment, ZoneInfo("Asia/Shanghai")) == "08:05:07"
