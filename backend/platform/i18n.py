"""Translations: English message ids, Simplified Chinese catalogue (gettext .po via Babel).

Screens receive a `Translator` for the user's language and call it as `_`,
so Babel's extractor finds every UI string (see tests/test_i18n.py).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parents[2] / "translations"
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """msgid -> translation for a language; English is the identity."""
    if language == "en":
        return {}
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string}


class Translator:
    def __init__(self, language: str):
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self._messages = catalogue(language)

    def __call__(self, message: str) -> str:
        return self._messages.get(message, message)

    def name(self, row) -> str:
        """A row's display name in this language (rows carry `name` in Chinese and `name_en`)."""
        return row.name if self.language == "zh_Hans" else row.name_en
