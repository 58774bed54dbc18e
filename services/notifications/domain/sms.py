"""SMS length rules: GSM 03.38 (7-bit) or UCS-2, single or concatenated.

A GSM-7 message of at most 160 septets is one SMS; a longer one is sent as parts of
153 septets (the user data header takes 7), never splitting an escape pair. A message
with any character outside GSM-7 is UCS-2: 70 UTF-16 units in one SMS, 67 per part,
never splitting a surrogate pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM7_EXTENSION)


@dataclass(frozen=True)
class SmsEncoding:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: list[str]

    @property
    def segments(self) -> int:
        return len(self.parts)


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENSION for c in text)


def _gsm_units(c: str) -> int:
    return 2 if c in _EXTENSION else 1


def _ucs2_units(c: str) -> int:
    return 2 if ord(c) > 0xFFFF else 1


def encode(text: str) -> SmsEncoding:
    if is_gsm7(text):
        return _split(text, _gsm_units, single=160, part=153, encoding="gsm7")
    return _split(text, _ucs2_units, single=70, part=67, encoding="ucs2")


def segments(text: str) -> int:
    return encode(text).segments


def _split(text: str, measure: Callable[[str], int], single: int, part: int,
           encoding: str) -> SmsEncoding:
    total = sum(measure(c) for c in text)
    if total <= single:
        return SmsEncoding(encoding, total, [text] if text else [""])
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for c in text:
        size = measure(c)
        if used + size > part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(c)
        used += size
    if current:
        parts.append("".join(current))
    return SmsEncoding(encoding, total, parts)
