"""Every reason code matching gives a waitlisted request or a blocked offer, and every
message notifications sends, has words on the portal's staff pages in every language:
the portal keeps its own lists (no service imports another), and this holds them to the
services'."""

from __future__ import annotations

from devkit.infra import REPO
from services.matching.domain import feasibility
from services.portal.adapters.texts import Texts
from services.portal.domain.explanation import REASONS
from services.portal.domain.language import LANGUAGES
from services.portal.domain.messages import MESSAGE_NAMES


def _matching_codes() -> set[str]:
    return {value for name, value in vars(feasibility).items()
            if name.isupper() and isinstance(value, str)}


def test_the_portal_knows_every_reason_code_of_matching() -> None:
    assert set(REASONS) == _matching_codes()


def test_the_portal_knows_every_message_notifications_sends() -> None:
    folder = REPO / "services" / "notifications" / "templates" / "sv"
    sent = {path.stem for path in folder.glob("*.j2") if not path.stem.startswith("_")}
    assert set(MESSAGE_NAMES) == sent


def test_every_reason_and_message_has_words_in_every_language() -> None:
    texts = Texts()
    for language in LANGUAGES:
        keys = texts.keys(language)
        missing = [f"staff.reason.{c}" for c in REASONS if f"staff.reason.{c}" not in keys]
        missing += [f"staff.message.{m}" for m in MESSAGE_NAMES if f"staff.message.{m}" not in keys]
        assert missing == [], language
