"""The link API and municipality profiles (docs/portal.md), under `/registration`.

Link routes take no bearer token (the link is the key): the token comes in the header
`X-Praktik-Link`, and its signature, purpose and expiry are checked here (403
`link_invalid` / `link_wrong_purpose`, 410 `link_expired`); that the link was sent to a
party of the placement (else 403 `link_invalid`) and is unused (409 `link_used`), in the
answer's transaction. A link names a placement by its own id, also one its request
has since left: the facts still answer (with its `status`); an answer on a declined or
cancelled placement is 409 `placement_closed` (`link_used` first). A municipality's
contact is public (a coordinator is a public office); its profile is read and edited by
its coordinators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters import link_views
from services.registration.domain import age_rules, commands
from services.registration.domain.consent import MAX_MESSAGE
from shared.auth import CurrentPrincipal
from shared.contracts.registration import AgeRule
from shared.errors import NotFound
from shared.http import ERRORS, ErrorOut
from shared.links import HEADER, BadLink, Link, LinkSigner, Purpose
from shared.messagebus import MessageBus


class LinkProblemOut(BaseModel):
    detail: str
    problem: str
    municipality_code: str | None = None


LINK_ERRORS: dict[int | str, dict[str, Any]] = ERRORS | {
    403: {"model": LinkProblemOut, "description": "link_invalid or link_wrong_purpose"},
    409: {"model": LinkProblemOut, "description": "link_used"},
    410: {"model": LinkProblemOut, "description": "link_expired"},
}


class AnswerConflictOut(BaseModel):
    detail: str
    problem: str | None = None
    municipality_code: str | None = None


ANSWER_ERRORS: dict[int | str, dict[str, Any]] = LINK_ERRORS | {
    409: {"model": AnswerConflictOut, "description": (
        "link_used (`problem`, whatever the placement's status), or `placement_closed` "
        "(`detail` only): an unused link to a declined or cancelled placement")},
}

router = APIRouter(prefix="/registration", responses=ERRORS)

PLACEMENT_PURPOSES: tuple[Purpose, ...] = ("consent", "workplace_answer", "offer_answer")
Code = Annotated[str, Path(pattern=r"^\d{4}$")]


class ConsentAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool
    message: str | None = Field(default=None, max_length=MAX_MESSAGE)


class ConsentReceiptOut(BaseModel):
    granted: bool
    state: str
    """The participant's consent after this answer, under the municipality's rule."""


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    coordinator_name: str = Field(max_length=200)
    coordinator_email: str = Field(max_length=254)
    coordinator_phone: str = Field(max_length=32)
    consent_rule: str = "either"
    offer_answer_programs: list[str] = Field(default_factory=list, max_length=10)
    offer_answer_days: int = 3
    guardian_answers_offer: bool = False
    age_rules: list[AgeRule] = Field(default_factory=list, max_length=20)
    """The municipality's own age rules (a programme or variant not named keeps the
    default: prao school years 8–9, feriepraktik year 8, feriearbete 16–19, work trial,
    internship and job track 18+)."""
    only_preferences_programs: list[str] = Field(default_factory=list, max_length=10)
    workplace_answer_days: int = 3
    consent_days: int = 5

    def command(self, code: str) -> commands.RecordMunicipalityProfile:
        return commands.RecordMunicipalityProfile(
            code, self.name, self.coordinator_name, self.coordinator_email,
            self.coordinator_phone, self.consent_rule, tuple(self.offer_answer_programs),
            self.offer_answer_days, self.guardian_answers_offer,
            age_rules=tuple(age_rules.AgeRule(
                r.program, r.variant, r.min_age, r.max_age, r.min_school_year,
                r.max_school_year) for r in self.age_rules),
            only_preferences_programs=tuple(self.only_preferences_programs),
            workplace_answer_days=self.workplace_answer_days, consent_days=self.consent_days)


async def _db(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.service.session_factory() as db:
        yield db


def _token(token: str | None) -> str:
    if not token:
        raise BadLink("link_invalid")
    return token


def _signer(request: Request) -> LinkSigner:
    return LinkSigner(request.app.state.service.settings.link_secret)


def _consent_link(request: Request,
                  token: Annotated[str | None, Header(alias=HEADER)] = None) -> Link:
    return _signer(request).read(_token(token), "consent")


def _placement_link(request: Request,
                    token: Annotated[str | None, Header(alias=HEADER)] = None) -> Link:
    link = _signer(request).read(_token(token))
    if link.purpose not in PLACEMENT_PURPOSES:
        raise BadLink("link_wrong_purpose", link.municipality_code)
    return link


Db = Annotated[AsyncSession, Depends(_db)]
ConsentLink = Annotated[Link, Depends(_consent_link)]
PlacementLink = Annotated[Link, Depends(_placement_link)]


def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


# -- links ------------------------------------------------------------------------------


@router.get("/links/placement", tags=["links"], responses=LINK_ERRORS)
async def placement_facts(link: PlacementLink, db: Db) -> link_views.PlacementFactsOut:
    """The facts of the placement a consent, workplace_answer or offer_answer link names
    (read only: the link is not used up)."""
    facts = await link_views.placement_facts(db, link)
    if facts is None:
        raise BadLink("link_invalid", link.municipality_code)
    return facts


@router.get("/links/consent", tags=["links"], responses=LINK_ERRORS)
async def consent_page(link: ConsentLink, db: Db) -> link_views.ConsentPageOut:
    """What the consent page shows: the placement's facts, the guardian's first name, the
    participant's consent under the rule, who has answered, and this link's answer."""
    page = await link_views.consent_page(db, link)
    if page is None:
        raise BadLink("link_invalid", link.municipality_code)
    return page


@router.post("/links/consent", tags=["links"], responses=ANSWER_ERRORS)
async def answer_consent(link: ConsentLink, body: ConsentAnswerIn,
                         request: Request) -> ConsentReceiptOut:
    """The guardian gives or refuses consent (once per link, while the placement is not
    declined or cancelled: then 409 `placement_closed`, or `link_used` if it was used)."""
    state = await _bus(request).handle(commands.AnswerConsentLink(
        link, body.granted, body.message))
    return ConsentReceiptOut(granted=body.granted, state=state)


# -- municipalities ---------------------------------------------------------------------


@router.get("/municipalities/{code}/contact", tags=["municipalities"],
            responses={404: {"model": ErrorOut}})
async def municipality_contact(code: Code, db: Db) -> link_views.ContactOut:
    """Public: whom to contact in the municipality (404 when it has no profile)."""
    found = await link_views.contact(db, code)
    if found is None:
        raise NotFound()
    return found


@router.get("/municipalities/{code}/profile", tags=["municipalities"])
async def municipality_profile(code: Code, principal: CurrentPrincipal,
                               db: Db) -> link_views.ProfileOut:
    principal.require_role("coordinator", "admin")
    principal.require(code)
    found = await link_views.profile(db, code)
    if found is None:
        raise NotFound()
    return found


@router.put("/municipalities/{code}/profile", tags=["municipalities"])
async def record_profile(code: Code, body: ProfileIn, principal: CurrentPrincipal,
                         request: Request, db: Db) -> link_views.ProfileOut:
    """A coordinator (or an admin) of the municipality records its profile, whole."""
    principal.require_role("coordinator", "admin")
    principal.require(code)
    await _bus(request).handle(body.command(code))
    found = await link_views.profile(db, code)
    assert found is not None
    return found
