"""Translations: English message ids, Simplified Chinese catalogue (gettext .po, compiled by Babel).

Screens receive a `Translator` for the user's language and call it as `_`,
so Babel's extractor finds every UI string (see tests/test_i18n.py). It also
picks plural forms and formats numbers and times the way its language writes them.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

CATALOGUES = Path(__file__).resolve().parents[2] / "translations"
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    """The catalogue of a language, compiled from its .po in memory (no .mo files to keep in step);
    English, the language of the message ids, translates to itself."""
    if language == "en":
        return NullTranslations()
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


class Translator:
    def __init__(self, language: str):
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = translations(language)

    def __call__(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: float) -> str:
        """The form of the message for `count` things (the caller fills the number in).

        gettext's plural rules take whole numbers; a fractional count (1.5 hours) takes the form for two,
        as it does in both our languages."""
        return self._translations.ngettext(singular, plural, int(count) if float(count).is_integer() else 2)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def clock(self, moment: datetime, zone: tzinfo) -> str:
        """Hours, minutes and seconds of `moment` in `zone`, on the 24-hour clock every screen uses."""
        return format_skeleton("Hms", moment, tzinfo=zone, locale=self.locale)

    def name(self, row) -> str:
        """A row's display name in this language (rows carry `name` in Chinese and `name_en`)."""
        return row.name if self.language == "zh_Hans" else row.name_en
