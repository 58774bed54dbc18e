"""Who is signed in, from the provider's claims and the session (domain.staff), and the
forms' CSRF token (domain.csrf)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.portal.domain import csrf
from services.portal.domain.staff import (
    ClaimNames,
    SignInRefused,
    staff_from_claims,
    staff_from_session,
)
from services.portal.settings import PortalSettings

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
DAY, IDLE = timedelta(hours=10), timedelta(minutes=30)
NAMES = ClaimNames()


def _claims(**claims: object) -> dict[str, object]:
    return {"sub": "s-1", "name": "Sara Samordnare", "praktik_role": "coordinator",
            "praktik_municipalities": ["1381", "1380"], **claims}


def test_the_role_and_municipalities_come_from_the_claims() -> None:
    member = staff_from_claims(_claims(), NAMES, NOW, DAY)
    assert (member.subject, member.name, member.role, member.municipalities,
            member.expires_at) == ("s-1", "Sara Samordnare", "coordinator", ("1380", "1381"),
                                   NOW + DAY)


def test_the_claim_names_are_the_municipalitys() -> None:
    names = ClaimNames(role="groups", municipalities="kommunkoder", name="display_name")
    member = staff_from_claims({"sub": "s-2", "groups": "auditor", "kommunkoder": "1380, 1383",
                                "display_name": "Gun Granskare"}, names, NOW, DAY)
    assert (member.role, member.municipalities, member.name) == (
        "auditor", ("1380", "1383"), "Gun Granskare")


def test_without_a_name_the_subject_names_the_person() -> None:
    assert staff_from_claims(_claims(name=""), NAMES, NOW, DAY).name == "s-1"


@pytest.mark.parametrize(("claims", "reason"), [
    ({"praktik_role": None}, "no_role"),
    ({"praktik_role": ""}, "no_role"),
    ({"praktik_role": "admin"}, "unknown_role"),
    ({"praktik_municipalities": []}, "no_municipality"),
    ({"praktik_municipalities": None}, "no_municipality"),
    ({"praktik_municipalities": ["Halmstad"]}, "bad_municipality"),
    ({"praktik_municipalities": "1380,138"}, "bad_municipality"),
])
def test_claims_that_give_no_way_in_are_refused_with_the_reason(
        claims: dict[str, object], reason: str) -> None:
    with pytest.raises(SignInRefused) as refused:
        staff_from_claims(_claims(**claims), NAMES, NOW, DAY)
    assert refused.value.reason == reason


def test_a_session_holds_the_person_until_idle_or_past_its_lifetime() -> None:
    member = staff_from_claims(_claims(), NAMES, NOW, DAY)
    kept = member.to_session(NOW)
    assert staff_from_session(kept, NOW + IDLE - timedelta(seconds=1), IDLE) == member
    assert staff_from_session(kept, NOW + IDLE, IDLE) is None  # unused too long
    late = member.to_session(NOW + DAY - timedelta(minutes=1))
    assert staff_from_session(late, NOW + DAY - timedelta(seconds=1), IDLE) == member
    assert staff_from_session(late, NOW + DAY, IDLE) is None  # however busy


@pytest.mark.parametrize("change", [
    {}, {"role": "admin"}, {"municipalities": ["x"]}, {"expires_at": "soon"},
    {"seen_at": None},
])
def test_a_session_that_cannot_be_read_holds_no_one(change: dict[str, object]) -> None:
    kept = staff_from_claims(_claims(), NAMES, NOW, DAY).to_session(NOW)
    data = {**kept, **change} if change else {}
    assert staff_from_session(data, NOW, IDLE) is None


def test_a_form_passes_only_with_its_sessions_token() -> None:
    token = csrf.new_token()
    assert csrf.is_valid(token, token)
    assert token != csrf.new_token()
    assert not csrf.is_valid(token, token[:-1] + "x")
    assert not csrf.is_valid(token, None)
    assert not csrf.is_valid(None, token)
    assert not csrf.is_valid("", "")


def test_the_public_address_is_the_setting_or_where_the_portal_listens() -> None:
    assert PortalSettings(http_port=8100).public_address == "http://127.0.0.1:8100"
    assert PortalSettings(public_url="https://praktik.halmstad.se/").public_address == (
        "https://praktik.halmstad.se")
