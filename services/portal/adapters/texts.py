"""The page texts: `services/portal/texts/<language>.json`, one catalog per language,
read once at start. A key missing in a language falls back to Swedish."""

from __future__ import annotations

import json
from pathlib import Path

from services.portal.domain.language import DEFAULT, LANGUAGES

TEXTS = Path(__file__).resolve().parents[1] / "texts"


class Texts:
    def __init__(self, folder: Path = TEXTS) -> None:
        self._catalogs: dict[str, dict[str, str]] = {
            language: json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
            for language in LANGUAGES}

    def keys(self, language: str) -> set[str]:
        return set(self._catalogs[language])

    def text(self, language: str, key: str, **values: object) -> str:
        """The words for `key`, with `{name}` placeholders filled in."""
        catalog = self._catalogs.get(language, self._catalogs[DEFAULT])
        words = catalog.get(key, self._catalogs[DEFAULT].get(key))
        if words is None:
            raise KeyError(f"no page text {key!r}")
        return words.format(**values) if values else words
