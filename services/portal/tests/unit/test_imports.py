"""The import of a list of participants with a fake of registration's `POST /imports`:
the file's columns read by their headers, each row's problems by its column (the
portal's own and registration's), a preview that registers nothing, the run that
registers the good rows, fixes carried from the preview, and the bad rows as a file."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import Workbook

from services.portal.adapters.spreadsheets import read_table
from services.portal.adapters.texts import Texts
from services.portal.dependencies import Dependencies
from services.portal.domain.commands import ImportRows, ShowImport
from services.portal.domain.imports import (
    ImportPage,
    Table,
    carried_rows,
    column_of,
    rows_of,
)
from services.portal.domain.people import StaffTroublePage
from services.portal.domain.staff import StaffMember
from services.portal.domain.statistics import Download
from services.portal.handlers import STAFF_HANDLERS
from services.portal.tests.fakes import SIGNER, SUPPORT

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
SARA = StaffMember("s-1380", "Sara", "coordinator", ("1380",), NOW + timedelta(hours=1))
AUDITOR = StaffMember("a-1", "Anna", "auditor", ("1380",), NOW + timedelta(hours=1))
FORM = {"municipality_code": "1380", "program": "prao", "period_start": "2027-03-15",
        "period_end": "2027-03-19"}
HEADER = ["Referens", "Personnummer", "Namn", "Kön", "SMS", "Önskemål", "Klass",
          "Vårdnadshavare_1_namn", "Vårdnadshavare 1 e-post"]


class FakeRegistration:
    """Refuses a row whose personal identity number ends in 0000, as registration's rule
    of check digits would; records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[list[Mapping[str, Any]], bool]] = []

    async def import_rows(self, member: StaffMember, code: str,
                          rows: list[Mapping[str, Any]], dry_run: bool) -> Mapping[str, Any]:
        self.sent.append((rows, dry_run))
        outcomes = [{"row": i, "problems": [
            {"field": "participant.personal_identity_number", "message": "bad check digit"}]
            if row["participant"]["personal_identity_number"].endswith("0000") else []}
            for i, row in enumerate(rows)]
        return {"dry_run": dry_run, "rows": outcomes}


def _deps() -> Dependencies:
    return Dependencies(links=SIGNER, support=SUPPORT, words=Texts())


def _table(*rows: list[str]) -> Table:
    return Table(list(HEADER), [list(row) for row in rows])


GOOD = ["E-1", "20120412-1234", "Alva Ek", "kvinna", "ja", "5311, 2411", "8B", "Vera Ek",
        "vera@example.org"]
BAD_PIN = ["E-2", "20120412-0000", "Bo Ek", "", "", "", "8B", "Vera Ek", ""]
BAD_GENDER = ["E-3", "20120413-1234", "Cai Ek", "kanske", "", "", "8B", "", ""]


async def _handle(command: Any, registration: FakeRegistration) -> Any:
    return await STAFF_HANDLERS[type(command)](command, registration, _deps())


def test_columns_are_read_by_their_headers_in_any_case() -> None:
    rows, missing, ignored = rows_of(_table(GOOD, [""] * len(HEADER)))
    assert missing == [] and ignored == ["Klass"]
    assert len(rows) == 1 and rows[0].number == 2
    assert rows[0].cells["g1_email"] == "vera@example.org"
    assert rows[0].cells["wishes"] == "5311, 2411"
    _, missing, _ = rows_of(Table(["Namn"], [["Alva"]]))
    assert missing == ["ref", "pin"]


def test_registrations_fields_map_to_columns() -> None:
    assert column_of("participant.guardians.0.email") == "g1_email"
    assert column_of("participant.needs.1") == "needs"
    assert column_of("request.preferences.0.occupation") == "wishes"
    assert column_of("request.program") == "row"
    assert column_of("") == "row"


def test_csv_and_xlsx_read_alike() -> None:
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([HEADER, GOOD])
    from_csv = read_table(text.getvalue().encode("cp1252"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([*GOOD[:1], GOOD[1], *GOOD[2:]])
    out = io.BytesIO()
    book.save(out)
    from_xlsx = read_table(out.getvalue())
    assert from_csv == from_xlsx == Table(HEADER, [GOOD])


async def test_the_preview_names_each_problem_by_column_and_registers_nothing() -> None:
    registration = FakeRegistration()
    table = _table(GOOD, BAD_PIN, BAD_GENDER, GOOD)
    page = await _handle(ImportRows(SARA, FORM, "preview", table, uploaded=True),
                         registration)
    assert isinstance(page, ImportPage) and page.stage == "preview"
    assert [(r.number, r.problems) for r in page.bad] == [
        (3, {"pin": "not_accepted"}), (4, {"gender": "not_a_choice"}),
        (5, {"ref": "duplicate"})]
    assert page.bad[0].reasons == {"pin": "bad check digit"}
    (sent, dry_run), = registration.sent
    assert dry_run is True and len(sent) == 2  # the portal's own refusals are not sent
    first = sent[0]
    assert first["participant"]["gender"] == "female"
    assert first["participant"]["sms_allowed"] is True
    assert first["participant"]["guardians"] == [
        {"name": "Vera Ek", "language": "sv", "email": "vera@example.org"}]
    assert first["request"] == {
        "program": "prao", "period_start": "2027-03-15", "period_end": "2027-03-19",
        "preferences": [{"occupation": "5311"}, {"occupation": "2411"}], "needs": [],
        "external_ref": "E-1/prao/2027-03-15", "priority": 0}


async def test_a_fix_on_the_preview_is_checked_then_the_good_rows_registered() -> None:
    registration = FakeRegistration()
    preview = await _handle(ImportRows(SARA, FORM, "preview", _table(GOOD, BAD_PIN),
                                       uploaded=True), registration)
    assert isinstance(preview, ImportPage)
    fixed = FORM | {"rader": preview.carried, "c3.pin": "20120412-5678"}
    again = await _handle(ImportRows(SARA, fixed, "preview"), registration)
    assert isinstance(again, ImportPage) and again.bad == []
    done = await _handle(ImportRows(SARA, FORM | {"rader": again.carried}, "run"),
                         registration)
    assert isinstance(done, ImportPage) and done.stage == "done"
    assert all(row.registered for row in done.rows)
    rows, dry_run = registration.sent[-1]
    assert dry_run is False and len(rows) == 2
    assert rows[1]["participant"]["personal_identity_number"] == "20120412-5678"
    assert carried_rows(done.carried) == []  # nothing left to carry on


async def test_the_bad_rows_download_with_their_reasons_in_words() -> None:
    carried = (await _handle(ImportRows(SARA, FORM, "preview", _table(GOOD, BAD_PIN),
                                        uploaded=True), FakeRegistration())).carried
    file = await _handle(ImportRows(SARA, FORM | {"rader": carried}, "download"),
                         FakeRegistration())
    assert isinstance(file, Download) and file.media_type.startswith("text/csv")
    lines = list(csv.reader(io.StringIO(file.body.decode("utf-8-sig"))))
    assert lines[0][:3] == ["referens", "personnummer", "namn"] and lines[0][-1] == "fel"
    assert len(lines) == 2 and lines[1][1] == "20120412-0000"
    assert lines[1][-1] == "Personnummer: Praktik godtog inte det här. (bad check digit)"


async def test_the_form_file_and_role_are_checked_first() -> None:
    registration = FakeRegistration()
    nothing = await _handle(ImportRows(SARA, {"program": "prao"}, "preview"), registration)
    assert isinstance(nothing, ImportPage) and nothing.status == 422
    assert nothing.problems == {"municipality_code": "required", "period_start": "required",
                                "period_end": "required", "file": "required"}
    unreadable = await _handle(ImportRows(SARA, FORM, "preview", None, uploaded=True),
                               registration)
    assert isinstance(unreadable, ImportPage)
    assert unreadable.problems == {"file": "unreadable"}
    missing = await _handle(ImportRows(SARA, FORM, "preview", Table(["Namn"], [["A"]]),
                                       uploaded=True), registration)
    assert isinstance(missing, ImportPage)
    assert missing.missing_headers == ["referens", "personnummer"]
    assert registration.sent == []
    for command in (ShowImport(AUDITOR), ImportRows(AUDITOR, FORM, "run")):
        refused = await _handle(command, registration)
        assert isinstance(refused, StaffTroublePage) and refused.trouble == "forbidden"
