"""A warning's SMS text: a template with placeholders, filled in, and what it costs in characters and parts.

A message in GSM-7 (plain Latin text) fits 160 characters in one SMS and 153 per part once it is split (the
other 7 carry the concatenation header); any character outside GSM-7, such as Chinese, makes the whole message
UCS-2: 70 in one, 67 per part. GSM-7's extension characters (`{`, `€`, ...) take two septets each.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass

PLACEHOLDERS = ("level", "type", "area", "message", "start", "end")
DEFAULT_TEMPLATE = "【{level}预警】{type}：{message}（{area}，{start}至{end}）"

_GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
               "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENSION = "^{}\\[~]|€\f"


class TemplateError(ValueError):
    """The template names a placeholder that does not exist, or is not a valid template."""


@dataclass(frozen=True)
class SmsText:
    text: str
    characters: int
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int


def placeholders(template: str) -> list[str]:
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as error:
        raise TemplateError(f"template: {error} (write a literal brace as {{{{ or }}}})") from None
    # A format spec ({level:>999999999}) would let a template make text of any size: placeholders are plain.
    if any(spec or conversion for _, spec, conversion in fields):
        raise TemplateError("template: write placeholders plain, as {level}, without a format or conversion")
    names = [name for name, _, _ in fields]
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        raise TemplateError(f"template: unknown placeholder {{{unknown[0]}}}; the placeholders are "
                            + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    return names


def render(template: str, values: dict[str, str]) -> str:
    placeholders(template)
    return template.format_map({name: values[name] for name in PLACEHOLDERS})


def measure(text: str) -> SmsText:
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        units = len(text) + sum(c in _GSM7_EXTENSION for c in text)
        single, per_part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # a character beyond the BMP takes two
        single, per_part, encoding = 70, 67, "UCS-2"
    parts = 1 if units <= single else math.ceil(units / per_part)
    return SmsText(text=text, characters=len(text), encoding=encoding, parts=parts)
