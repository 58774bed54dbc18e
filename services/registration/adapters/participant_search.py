"""A coordinator's search for participants: by name (every word, anywhere in the name,
any case), birth date, or the external reference their school or system gave them.
The filters add up; the listing's municipality scope applies as always."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.registration.adapters import orm


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_filter(name: str | None, birth_date: date | None,
                  external_ref: str | None) -> list[Any]:
    p = orm.participants
    where: list[Any] = [p.c.name.ilike(_like(word), escape="\\")
                        for word in (name or "").split()]
    if birth_date is not None:
        where.append(p.c.birth_date == birth_date)
    if external_ref:
        where.append(p.c.external_ref == external_ref.strip())
    return where
