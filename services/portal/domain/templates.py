"""The message templates as staff read them: notifications renders each with sample
data (`GET /notifications/templates/{name}`), in every language, as an e-mail and an
SMS, signed as the municipality's profile signs its messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rendering:
    language: str
    subject: str
    text: str
    sms: str


@dataclass(frozen=True)
class TemplatesPage:
    municipality: str
    municipalities: tuple[str, ...]
    names: list[str]


@dataclass(frozen=True)
class TemplatePage:
    name: str
    municipality: str
    municipalities: tuple[str, ...]
    renderings: list[Rendering] = field(default_factory=list)


def is_template_name(text: str) -> bool:
    return re.fullmatch(r"[a-z_]{1,40}", text) is not None


def rendering(entry: Mapping[str, Any]) -> Rendering:
    return Rendering(str(entry.get("language") or ""), str(entry.get("subject") or ""),
                     str(entry.get("text") or ""), str(entry.get("sms") or ""))
