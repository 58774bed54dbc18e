"""Every reason code matching gives a waitlisted request or a blocked offer has words on
the portal's staff pages, in every language: the portal keeps its own list (no service
imports another), and this holds the two together."""

from __future__ import annotations

from services.matching.domain import feasibility
from services.portal.adapters.texts import Texts
from services.portal.domain.explanation import REASONS
from services.portal.domain.language import LANGUAGES


def _matching_codes() -> set[str]:
    return {value for name, value in vars(feasibility).items()
            if name.isupper() and isinstance(value, str)}


def test_the_portal_knows_every_reason_code_of_matching() -> None:
    assert set(REASONS) == _matching_codes()


def test_every_reason_code_has_words_in_every_language() -> None:
    texts = Texts()
    for language in LANGUAGES:
        missing = [code for code in REASONS if f"staff.reason.{code}" not in texts.keys(language)]
        assert missing == [], language
