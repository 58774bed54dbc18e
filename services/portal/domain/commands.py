"""What a person asks of the portal: to see the page of a link, or to answer it; and,
signed in, to search for people, open one's record, read the access log, and keep the
registers of workplaces, supervisors and offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.portal.domain.courses import SessionAction
from services.portal.domain.imports import Step, Table
from services.portal.domain.people import DEFAULT_PURPOSE, Search
from services.portal.domain.placements import Action
from services.portal.domain.places import Register
from services.portal.domain.rounds import RoundStep
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Asked


@dataclass(frozen=True)
class ShowLink:
    token: str


@dataclass(frozen=True)
class AnswerLink:
    token: str
    form: Mapping[str, str] = field(default_factory=dict)
    """The submitted form's fields (the last value of each)."""


@dataclass(frozen=True)
class SearchPeople:
    member: StaffMember
    search: Search


@dataclass(frozen=True)
class ShowPerson:
    member: StaffMember
    participant_id: str
    purpose: str = DEFAULT_PURPOSE


@dataclass(frozen=True)
class ShowAccessLog:
    member: StaffMember
    participant_id: str = ""


@dataclass(frozen=True)
class ShowWorkplaces:
    member: StaffMember


@dataclass(frozen=True)
class ShowEntry:
    """A register's form: an entry to change (`ident`), or a new one (`ident` empty; a
    new supervisor or offer at `workplace_id`)."""

    member: StaffMember
    register: Register
    ident: str = ""
    workplace_id: str = ""
    saved: bool = False


@dataclass(frozen=True)
class SaveEntry:
    member: StaffMember
    register: Register
    ident: str = ""
    workplace_id: str = ""
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowRequest:
    """A request's page, with matching's explanation of where it has got and why."""

    member: StaffMember
    request_id: str


@dataclass(frozen=True)
class ShowPlacements:
    member: StaffMember
    municipality_code: str = ""
    """"": the person's first municipality."""
    status: str = ""
    """"": every status."""


@dataclass(frozen=True)
class ShowPlacement:
    member: StaffMember
    placement_id: str
    done: str = ""
    """The action just done, for the page to say so."""


@dataclass(frozen=True)
class ActOnPlacement:
    member: StaffMember
    placement_id: str
    action: Action
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowStatistics:
    member: StaffMember
    asked: Asked = field(default_factory=Asked)


@dataclass(frozen=True)
class DownloadStatistics:
    member: StaffMember
    asked: Asked
    file_format: str


@dataclass(frozen=True)
class ShowStart:
    """The staff start page (a coordinator's: what needs attention)."""

    member: StaffMember


@dataclass(frozen=True)
class ShowProfile:
    """The municipality's profile, which signs its messages and sets its rules."""

    member: StaffMember
    municipality_code: str
    saved: bool = False


@dataclass(frozen=True)
class SaveProfile:
    member: StaffMember
    municipality_code: str
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowImport:
    """The import's form: the municipality, programme and period, and the file."""

    member: StaffMember


@dataclass(frozen=True)
class ImportRows:
    """An import's step: the uploaded file's `table` (None: not readable, or the rows the
    preview's form carried, with its fixes, in `form`), checked, registered, or its rows
    with problems as a file to download, in `language`."""

    member: StaffMember
    form: Mapping[str, str]
    step: Step
    table: Table | None = None
    uploaded: bool = False
    """A file came with the form (`table` None then: it could not be read)."""
    language: str = "sv"


@dataclass(frozen=True)
class ShowRounds:
    member: StaffMember


@dataclass(frozen=True)
class RunRound:
    """A round of the form's municipality and programme: previewed, or run."""

    member: StaffMember
    form: Mapping[str, str]
    step: RoundStep


@dataclass(frozen=True)
class ShowRoundDraw:
    """A round's published draw (anyone's), `asked` the request a family looks for."""

    round_id: str
    asked: str = ""


@dataclass(frozen=True)
class ShowTemplates:
    member: StaffMember
    municipality_code: str = ""
    """Whose signature the templates are shown with (empty: the person's first)."""


@dataclass(frozen=True)
class ShowTemplate:
    member: StaffMember
    name: str
    municipality_code: str = ""


@dataclass(frozen=True)
class ShowIntake:
    """What registration refused of a municipality's intake (empty: the person's first)."""

    member: StaffMember
    municipality_code: str = ""


@dataclass(frozen=True)
class ShowCourses:
    """The training calendar of a year (None: this year), with what was just `done`."""

    member: StaffMember
    year: int | None = None
    done: str = ""


@dataclass(frozen=True)
class ShowSessionForm:
    member: StaffMember


@dataclass(frozen=True)
class ScheduleSession:
    member: StaffMember
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowCourseSession:
    member: StaffMember
    session_id: str
    done: str = ""


@dataclass(frozen=True)
class ActOnCourseSession:
    """Invite the ticked, enrol an invited person, cancel a place, or record the costs."""

    member: StaffMember
    session_id: str
    action: SessionAction
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowAttendance:
    member: StaffMember
    session_id: str
    done: str = ""


@dataclass(frozen=True)
class RecordAttendance:
    member: StaffMember
    session_id: str
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowCatering:
    member: StaffMember
    session_id: str


@dataclass(frozen=True)
class ShowBudget:
    member: StaffMember
    year: int | None = None


@dataclass(frozen=True)
class ShowEvaluations:
    member: StaffMember
    year: int | None = None


@dataclass(frozen=True)
class ShowCertificates:
    member: StaffMember


@dataclass(frozen=True)
class RenewCertificates:
    """Invite every holder of a certificate running out, not yet invited, to renewal."""

    member: StaffMember
