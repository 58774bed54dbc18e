"""Which language a page is in: Swedish first, English by the switch.

Adding a language: its code here and `services/portal/texts/<code>.json` with every key
of `sv.json` (a unit test holds them equal).
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("sv", "en")
DEFAULT = "sv"
COOKIE = "lang"


def choose(asked: str | None, remembered: str | None) -> str:
    """`?lang=` first, then the cookie the switch set, else Swedish."""
    for candidate in (asked, remembered):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT


def safe_next(path: str | None) -> str:
    """Where the switch sends a person back: a path of this site only (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
