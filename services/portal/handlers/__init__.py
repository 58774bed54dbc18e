"""The portal's behaviour, each handler `handler(command, uow, deps)` like every
service's: a link's page and its answer (`links`, whose uow is `ServiceApis`), and staff's
view of people (`people`), of a request and why it got what it got (`requests`), of
placements and what they do to them (`placements`), of the statistics (`statistics`),
and their keeping of the registers
of workplaces (`places`) and of the municipality's profile (`profile`), and their import
of lists of participants (`imports`) and their rounds (`rounds`), and the training
administrator's sessions (`courses`) and figures (`course_figures`), whose uow is the
services' staff APIs; and a round's published draw (`rounds`), anyone's."""

from __future__ import annotations

from services.portal.dependencies import Dependencies
from services.portal.domain.commands import (
    ActOnCourseSession,
    ActOnPlacement,
    DownloadStatistics,
    ImportRows,
    RecordAttendance,
    RenewCertificates,
    RunRound,
    SaveEntry,
    SaveProfile,
    ScheduleSession,
    SearchPeople,
    ShowAccessLog,
    ShowAttendance,
    ShowBudget,
    ShowCatering,
    ShowCertificates,
    ShowCourses,
    ShowCourseSession,
    ShowEntry,
    ShowEvaluations,
    ShowImport,
    ShowIntake,
    ShowPerson,
    ShowPlacement,
    ShowPlacements,
    ShowProfile,
    ShowRequest,
    ShowRoundDraw,
    ShowRounds,
    ShowSessionForm,
    ShowStart,
    ShowStatistics,
    ShowTemplate,
    ShowTemplates,
    ShowWorkplaces,
)
from services.portal.handlers.course_figures import (
    renew_certificates,
    show_budget,
    show_certificates,
    show_evaluations,
)
from services.portal.handlers.courses import (
    act_on_course_session,
    record_attendance,
    schedule_session,
    show_attendance,
    show_catering,
    show_course_session,
    show_courses,
    show_session_form,
)
from services.portal.handlers.imports import import_rows, show_import
from services.portal.handlers.intake import show_intake
from services.portal.handlers.links import FACTS, LINK_HANDLERS, answer_link, show_link
from services.portal.handlers.people import search_people, show_access_log, show_person
from services.portal.handlers.placements import (
    act_on_placement,
    show_placement,
    show_placements,
)
from services.portal.handlers.places import save_entry, show_entry, show_workplaces
from services.portal.handlers.profile import save_profile, show_profile
from services.portal.handlers.requests import show_request
from services.portal.handlers.rounds import run_round, show_round_draw, show_rounds
from services.portal.handlers.start import show_start
from services.portal.handlers.statistics import download_statistics, show_statistics
from services.portal.handlers.templates import show_template, show_templates
from shared.wiring import Handler

COMMAND_HANDLERS: dict[type, Handler[Dependencies]] = LINK_HANDLERS | {
    ShowRoundDraw: show_round_draw}
STAFF_HANDLERS: dict[type, Handler[Dependencies]] = {
    SearchPeople: search_people, ShowPerson: show_person, ShowAccessLog: show_access_log,
    ShowWorkplaces: show_workplaces, ShowEntry: show_entry, SaveEntry: save_entry,
    ShowRequest: show_request, ShowPlacements: show_placements,
    ShowPlacement: show_placement, ActOnPlacement: act_on_placement,
    ShowStatistics: show_statistics, DownloadStatistics: download_statistics,
    ShowStart: show_start, ShowProfile: show_profile, SaveProfile: save_profile,
    ShowImport: show_import, ImportRows: import_rows, ShowRounds: show_rounds,
    RunRound: run_round, ShowTemplates: show_templates, ShowTemplate: show_template,
    ShowIntake: show_intake, ShowCourses: show_courses, ShowSessionForm: show_session_form,
    ScheduleSession: schedule_session, ShowCourseSession: show_course_session,
    ActOnCourseSession: act_on_course_session, ShowAttendance: show_attendance,
    RecordAttendance: record_attendance, ShowCatering: show_catering,
    ShowBudget: show_budget, ShowEvaluations: show_evaluations,
    ShowCertificates: show_certificates, RenewCertificates: renew_certificates}

__all__ = ["COMMAND_HANDLERS", "FACTS", "STAFF_HANDLERS", "answer_link", "show_link"]
