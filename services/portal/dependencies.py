"""The portal's ports: one Protocol per service API it calls (the link APIs of
docs/portal.md), the link reader, and the `Dependencies` its handlers get.

The portal has no database, so its "unit of work" is `ServiceApis`: the four services'
APIs for the request at hand. A handler is `handler(command, uow, deps)` like every
other service's, with `uow` that set of clients; a unit test passes fakes.

Each port raises `shared.links.BadLink` when the service refuses the link (403, 409,
410), `domain.answers.FieldProblems` when it refuses a field (422) and
`domain.views.Unavailable`
when it cannot be reached or fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from services.portal.domain.placements import Action
from services.portal.domain.places import Register
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Download
from services.portal.domain.views import Contact
from shared.clock import Clock, utc_now
from shared.links import Link, Purpose


class LinkApi(Protocol):
    """A service's `GET/POST /<service>/links/<purpose>`; the token goes in a header."""

    async def read(self, purpose: Purpose, token: str) -> Mapping[str, Any]: ...

    async def answer(self, purpose: Purpose, token: str, body: Mapping[str, Any]) -> None: ...


class RegistrationApi(LinkApi, Protocol):
    async def placement(self, token: str) -> Mapping[str, Any]:
        """`GET /registration/links/placement`: read only, the link is not used up."""
        ...

    async def contact(self, municipality_code: str) -> Contact | None:
        """`GET /registration/municipalities/{code}/contact`; None when it has none."""
        ...


class MatchingApi(LinkApi, Protocol):
    async def round_draw(self, round_id: str) -> Mapping[str, Any] | None:
        """`GET /matching/rounds/{id}/draw`, public: the seed and each request's lottery
        number; None: no such round."""
        ...


class TrainingApi(LinkApi, Protocol): ...


class NotificationsApi(LinkApi, Protocol): ...


class IdentityProvider(Protocol):
    """The municipality's OpenID Connect provider (`adapters.identity.OidcProvider`)."""

    async def sign_in(self, request: Request, redirect_uri: str) -> Response:
        """The redirect to the provider's sign-in."""
        ...

    async def signed_in(self, request: Request) -> tuple[Mapping[str, Any], str]:
        """The ID token's claims and the token, from the provider's redirect back;
        `SignInFailed` when it signed no one in."""
        ...

    async def sign_out_url(self, id_token: str | None, then: str) -> str | None: ...


class CoursesApi(Protocol):
    """Training's staff API (`adapters.courses_api`): its sessions, their enrolments,
    invitations, attendance and costs, the budget, the evaluation, the certificates."""

    async def sessions(self, member: StaffMember, year: int) -> list[Mapping[str, Any]]:
        """`GET /sessions?year=`, each with its counts of enrolled and waitlisted."""
        ...

    async def session(self, member: StaffMember, session_id: str) -> Mapping[str, Any]: ...

    async def schedule(self, member: StaffMember,
                       body: Mapping[str, Any]) -> Mapping[str, Any]:
        """`POST /sessions`: the session scheduled (training invites whom it must)."""
        ...

    async def enrolments(self, member: StaffMember,
                         session_id: str) -> list[Mapping[str, Any]]: ...

    async def invitations(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        """`invited` to the session, and `to_invite`: whom the course is for still."""
        ...

    async def invite(self, member: StaffMember, session_id: str,
                     person_ids: list[str]) -> Mapping[str, Any]: ...

    async def enrol(self, member: StaffMember, session_id: str,
                    body: Mapping[str, Any]) -> Mapping[str, Any]: ...

    async def cancel_enrolment(self, member: StaffMember, session_id: str,
                               person_id: str) -> None: ...

    async def attendance(self, member: StaffMember, session_id: str,
                         body: Mapping[str, Any]) -> Mapping[str, Any]: ...

    async def record_costs(self, member: StaffMember, session_id: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]: ...

    async def catering(self, member: StaffMember, session_id: str) -> Mapping[str, Any]:
        """`GET /sessions/{id}/administration`: the session and what to order."""
        ...

    async def budget(self, member: StaffMember, year: int) -> Mapping[str, Any]: ...

    async def evaluations(self, member: StaffMember, year: int) -> Mapping[str, Any]: ...

    async def certificates(self, member: StaffMember,
                           query: Mapping[str, str]) -> list[Mapping[str, Any]]:
        """`GET /certificates` (`expiring_within_days` or `session_id`)."""
        ...

    async def renew(self, member: StaffMember,
                    supervisor_ids: list[str]) -> Mapping[str, Any]:
        """`POST /certificates/renewals`: `invited` and `not_invited` (with why)."""
        ...


class StaffApi(CoursesApi, Protocol):
    """The services' staff APIs, as the signed-in person (`adapters.staff_api`):
    registration's people and registers of workplaces, supervisors and offers,
    matching's explanations and placements, and notifications' messages. Raises
    `domain.people.StaffRefused`, `FieldProblems` (with the service's reasons) or
    `Unavailable`."""

    async def search(self, member: StaffMember, query: Mapping[str, str]
                     ) -> Mapping[str, Any]: ...

    async def participant(self, member: StaffMember, participant_id: str,
                          purpose: str) -> Mapping[str, Any]: ...

    async def requests(self, member: StaffMember, participant_id: str
                       ) -> Mapping[str, Any]: ...

    async def access_log(self, member: StaffMember, query: Mapping[str, str]
                         ) -> Mapping[str, Any]: ...

    async def request(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        """Registration's `GET /requests/{id}`."""
        ...

    async def explanation(self, member: StaffMember, request_id: str) -> Mapping[str, Any]:
        """Matching's `GET /matching/requests/{id}/explanation` (404: not seen yet)."""
        ...

    async def placements(self, member: StaffMember, municipality_code: str,
                         status: str) -> list[Mapping[str, Any]]:
        """Matching's `GET /matching/placements` of a municipality (`status`: all)."""
        ...

    async def placement(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        ...

    async def waiting(self, member: StaffMember,
                      municipality_code: str) -> list[Mapping[str, Any]]:
        """Matching's waitlisted requests of a municipality, with their reasons."""
        ...

    async def undelivered(self, member: StaffMember,
                          municipality_code: str) -> list[Mapping[str, Any]]:
        """Notifications' messages of a municipality that reached no one (30 days)."""
        ...

    async def intake_rejections(self, member: StaffMember,
                                municipality_code: str) -> list[Mapping[str, Any]]:
        """Registration's refused intake requests of a municipality (30 days)."""
        ...

    async def act(self, member: StaffMember, placement_id: str, action: Action,
                  body: Mapping[str, Any]) -> None:
        """Matching's `POST /matching/placements/{id}/<action>`; its 409 (the placement
        does not allow it) is `FieldProblems` of the form, with matching's reason."""
        ...

    async def messages(self, member: StaffMember, placement_id: str) -> Mapping[str, Any]:
        """Notifications' `GET /notifications/placements/{id}`: `messages` (none: {})."""
        ...

    async def statistics(self, member: StaffMember,
                         query: Mapping[str, str]) -> Mapping[str, Any]:
        """Matching's `GET /matching/statistics` as JSON."""
        ...

    async def statistics_file(self, member: StaffMember, query: Mapping[str, str],
                              file_format: str) -> Download:
        """The same as CSV or XLSX, with matching's file name."""
        ...

    async def profile(self, member: StaffMember, code: str) -> Mapping[str, Any]:
        """Registration's `GET /registration/municipalities/{code}/profile` (404: none)."""
        ...

    async def save_profile(self, member: StaffMember, code: str,
                           body: Mapping[str, Any]) -> Mapping[str, Any]:
        """`PUT /registration/municipalities/{code}/profile`: the profile, whole."""
        ...

    async def import_rows(self, member: StaffMember, code: str,
                          rows: list[Mapping[str, Any]], dry_run: bool) -> Mapping[str, Any]:
        """Registration's `POST /imports`: each row's `problems` (`field`, `message`),
        in a dry run nothing registered."""
        ...

    async def rounds(self, member: StaffMember, code: str) -> list[Mapping[str, Any]]:
        """Matching's `GET /matching/rounds` of a municipality, the latest first."""
        ...

    async def round(self, member: StaffMember, code: str, program: str,
                    dry_run: bool) -> Mapping[str, Any]:
        """Matching's `POST /matching/rounds`: the round (`dry_run`: its preview) with
        every request's draw."""
        ...

    async def templates(self, member: StaffMember, code: str) -> list[str]:
        """Notifications' `GET /notifications/templates`: the templates' names."""
        ...

    async def template(self, member: StaffMember, name: str,
                       code: str) -> Mapping[str, Any]:
        """`GET /notifications/templates/{name}`: `renderings`, one per language."""
        ...

    async def entry(self, member: StaffMember, register: Register, ident: str
                    ) -> Mapping[str, Any]:
        """`GET /<register>/{id}`."""
        ...

    async def entries(self, member: StaffMember, register: Register,
                      query: Mapping[str, str]) -> Mapping[str, Any]:
        """`GET /<register>`: a page of `items` and their `total`."""
        ...

    async def save(self, member: StaffMember, register: Register, ident: str | None,
                   body: Mapping[str, Any]) -> Mapping[str, Any]:
        """`POST /<register>` (a new one: ident None) or `PUT /<register>/{id}`; the
        entry as saved."""
        ...


class Words(Protocol):
    """The page texts (`adapters.texts.Texts`), for what a handler writes in words."""

    def text(self, language: str, key: str, **values: object) -> str: ...


class LinkReader(Protocol):
    """`shared.links.LinkSigner` (read only: the portal signs nothing)."""

    def read(self, token: str, purpose: Purpose | None = None) -> Link: ...


@dataclass(frozen=True)
class ServiceApis:
    """The portal's unit of work: the services it talks to."""

    registration: RegistrationApi
    matching: MatchingApi
    training: TrainingApi
    notifications: NotificationsApi

    def acting_on(self, purpose: Purpose) -> LinkApi:
        """The service that acts on a link of this purpose."""
        if purpose == "consent":
            return self.registration
        if purpose in ("workplace_answer", "offer_answer"):
            return self.matching
        if purpose in ("enrolment", "evaluation"):
            return self.training
        return self.notifications


@dataclass(frozen=True)
class Dependencies:
    links: LinkReader
    support: Contact
    """Whom a page names when the link names no municipality (or its contact is away)."""
    words: Words | None = None
    """For the files a handler writes (the bad rows of an import); None: keys only."""
    clock: Clock = utc_now
    timezone: str = "Europe/Stockholm"
    """Where the times people type are (a new deadline's)."""
