"""What the public may read of a case's free text: personal data masked out of it.

Open311's GET endpoints are public. A resident's own words (and an address
they typed) are shown only for cases that came in through a public channel,
and even then a phone number, an ID-card number or an email typed into them
is replaced by `***` before it leaves the centre.
"""
from __future__ import annotations

import re

# Channels where the reporter writes for the public: the GeoReport API itself and a public web form.
# Hotline, SMS, visits and handhelds are the centre's own records of what someone told it.
PUBLIC_CHANNELS = frozenset({"open311", "web"})
MASK = "***"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An 18-character ID-card number ending in the check letter X (all-digit ones are long numbers below).
_ID_CARD_X = re.compile(r"(?<!\d)\d{17}[Xx](?![0-9A-Za-z])")
# Digit groups of three or more joined by single spaces or dashes, with an optional +country code or
# (area code): phone numbers as people type them. House numbers (12, 3-2-401) and dates have shorter groups.
_NUMBER = re.compile(r"(?:\+\d{1,3}[ -]?)?(?:\(\d{2,4}\)[ -]?)?(?<!\d)\d{3,}(?:[ -]\d{3,})*(?!\d)")
# Fewer digits than this is a house or room number, not a phone (landlines have 7 or 8 without area code).
MIN_PERSONAL_DIGITS = 7


def _number(match: re.Match) -> str:
    text = match.group()
    return MASK if sum(c.isdigit() for c in text) >= MIN_PERSONAL_DIGITS else text


def mask_personal_data(text: str | None) -> str | None:
    """The text with mobile and landline numbers, ID-card numbers and emails replaced by `***`."""
    if text is None:
        return None
    text = _ID_CARD_X.sub(MASK, _EMAIL.sub(MASK, text))
    return _NUMBER.sub(_number, text)
