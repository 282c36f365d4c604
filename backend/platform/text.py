"""What free text arriving at an edge may hold: no NUL (PostgreSQL text cannot) and no other C0 control
character (they mean nothing in a report and break XML), except tab, line feed and carriage return."""
from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_characters(value: Any) -> bool:
    """Does a string, or any key or value of a JSON-like structure, hold a control character?"""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    return isinstance(value, list) and any(map(has_control_characters, value))
