"""A class list, or a list of summer-job applicants, as staff import it: a table (CSV or
XLSX) in the columns of `COLUMNS` (the README lists them), one participant a row, each
with a placement request of the programme and period the import form names.

The portal reads only what a cell can say (a choice, yes or no, a number); registration
checks each row by its own rules, first in a dry run (the preview), then for real. Its
problems come back named by the API's fields, and are shown here by the column they
concern; a problem no column holds (too old for the programme) is the row's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from services.portal.domain.places import FORMS, Section

Stage = Literal["form", "preview", "done"]
"""The import's form; its preview (nothing registered); the good rows registered."""
Step = Literal["preview", "run", "download"]
"""What the import's form asks: check the rows, register the good ones, or download the
ones with problems."""
MAX_ROWS = 1000
"""As many rows as registration takes at once."""
EDITABLE = 20
"""Rows with problems shown with their cells to fix here; the rest go by the download."""
ROW = "row"
"""A problem of the whole row, no column's."""


@dataclass(frozen=True)
class Column:
    key: str
    """The page's name for it (`staff.import.column.<key>`) and the form field's."""
    header: str
    """The header the file has (any case; `_` for a space)."""
    api: str
    """Registration's field it fills (`participant.guardians.0.name`)."""
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("ref", "referens", "participant.external_ref", required=True),
    Column("pin", "personnummer", "participant.personal_identity_number", required=True),
    Column("name", "namn", "participant.name", required=True),
    Column("email", "e-post", "participant.email"),
    Column("phone", "telefon", "participant.phone"),
    Column("sms", "sms", "participant.sms_allowed"),
    Column("gender", "kön", "participant.gender"),
    Column("language", "språk", "participant.preferred_language"),
    Column("needs", "behov", "participant.needs"),
    Column("wishes", "önskemål", "request.preferences"),
    Column("priority", "prioritet", "request.priority"),
    *(Column(f"g{n}_{key}", f"vårdnadshavare {n} {header}",
             f"participant.guardians.{n - 1}.{api}")
      for n in (1, 2)
      for key, header, api in (("name", "namn", "name"), ("email", "e-post", "email"),
                               ("phone", "telefon", "phone"),
                               ("pin", "personnummer", "personal_identity_number"))),
)
BY_HEADER = {column.header: column for column in COLUMNS}
BY_API = {column.api: column.key for column in COLUMNS} | {
    "request.external_ref": "ref", "request.needs": "needs"}
GENDERS = {"kvinna": "female", "flicka": "female", "k": "female", "female": "female",
           "man": "male", "pojke": "male", "m": "male", "male": "male",
           "annat": "other", "other": "other", "": "unspecified", "vill ej ange": "unspecified"}
YES, NO = ("ja", "j", "yes", "x", "1", "sant", "true"), ("nej", "n", "no", "0", "falskt",
                                                           "false", "")


def header_key(text: str) -> str:
    """A header as `BY_HEADER` knows it: any case, `_` or several spaces as one."""
    return " ".join(text.replace("_", " ").casefold().split())


@dataclass(frozen=True)
class Table:
    """A file's first sheet as text: its header and its rows."""

    header: list[str]
    rows: list[list[str]]


class Unreadable(ValueError):
    """The file is neither CSV nor XLSX, or cannot be read as one."""


@dataclass
class Row:
    number: int
    """Its line in the file (the header is line 1)."""
    cells: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)
    """Column key (or `ROW`) → problem (`staff.problem.<key>`)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Registration's words for what it refused."""
    registered: bool = False

    @property
    def name(self) -> str:
        return self.cells.get("name", "")


def rows_of(table: Table) -> tuple[list[Row], list[str], list[str]]:
    """The table's rows by column (blank lines left out), the required columns it lacks,
    and the headers it has that no column is."""
    keys = [BY_HEADER[h].key if h in BY_HEADER else None for h in map(header_key,
                                                                        table.header)]
    missing = [c.key for c in COLUMNS if c.required and c.key not in keys]
    ignored = [h.strip() for h, key in zip(table.header, keys, strict=True)
               if key is None and h.strip()]
    rows = []
    for number, cells in enumerate(table.rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(Row(number, {key: cell.strip() for key, cell in zip(keys, cells,
                                                                          strict=False)
                                 if key is not None and cell.strip()}))
    return rows, missing, ignored


def _items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,;]", text) if item.strip()]


def body_of(row: Row, program: str, period_start: str, period_end: str
            ) -> tuple[dict[str, Any], dict[str, str]]:
    """The row as registration's import takes it, and the cells the portal cannot read."""
    cells, problems = row.cells, {}
    participant: dict[str, Any] = {
        key: cells[column] for key, column in (
            ("external_ref", "ref"), ("personal_identity_number", "pin"), ("name", "name"),
            ("email", "email"), ("phone", "phone")) if column in cells}
    for column in ("ref", "pin", "name"):
        if column not in cells:
            problems[column] = "required"
    sms = cells.get("sms", "").casefold()
    if sms not in YES + NO:
        problems["sms"] = "not_a_choice"
    participant["sms_allowed"] = sms in YES
    gender = GENDERS.get(cells.get("gender", "").casefold())
    if gender is None:
        problems["gender"] = "not_a_choice"
    participant["gender"] = gender or "unspecified"
    language = cells.get("language", "sv").casefold()
    participant["preferred_language"] = language
    participant["needs"] = _items(cells.get("needs", ""))
    participant["guardians"] = [
        {"name": cells.get(f"g{n}_name", ""), "language": language} | {
            key: cells[f"g{n}_{column}"] for key, column in (
                ("email", "email"), ("phone", "phone"), ("personal_identity_number", "pin"))
            if f"g{n}_{column}" in cells}
        for n in (1, 2) if any(k.startswith(f"g{n}_") for k in cells)]
    request: dict[str, Any] = {
        "program": program, "period_start": period_start, "period_end": period_end,
        "preferences": [{"occupation": code} for code in _items(cells.get("wishes", ""))],
        "needs": participant["needs"]}
    if "ref" in cells:
        request["external_ref"] = f"{cells['ref']}/{program}/{period_start}"
    priority = cells.get("priority", "0")
    if re.fullmatch(r"-?\d{1,6}", priority):
        request["priority"] = int(priority)
    else:
        problems["priority"] = "not_a_number"
    return {"participant": participant, "request": request}, problems


def column_of(api_field: str) -> str:
    """The column a registration field is in (`participant.guardians.0.email.x` → the
    first guardian's e-mail), or `ROW`."""
    parts = api_field.split(".")
    while parts:
        if ".".join(parts) in BY_API:
            return BY_API[".".join(parts)]
        parts.pop()
    return ROW


def refused(row: Row, problems: Sequence[Mapping[str, Any]]) -> None:
    """Registration's problems of the row, by column, with its words."""
    for problem in problems:
        column = column_of(str(problem.get("field") or ""))
        row.problems[column] = "not_accepted"
        said = str(problem.get("message") or "")
        row.reasons[column] = f"{row.reasons[column]}; {said}" if column in row.reasons \
            else said


def edited(rows: list[Row], form: Mapping[str, str]) -> None:
    """The cells fixed on the preview (`c<line>.<column>`) put into their rows."""
    by_number = {row.number: row for row in rows}
    for name, value in form.items():
        found = re.fullmatch(r"c(\d{1,7})\.(\w{1,20})", name)
        if found and int(found[1]) in by_number and found[2] in {c.key for c in COLUMNS}:
            cells = by_number[int(found[1])].cells
            if value.strip():
                cells[found[2]] = value.strip()
            else:
                cells.pop(found[2], None)


def carried(rows: list[Row]) -> str:
    """The rows as the preview's form carries them to the next step (JSON)."""
    return json.dumps([[row.number, row.cells] for row in rows], ensure_ascii=False,
                      separators=(",", ":"))


def carried_rows(text: str) -> list[Row] | None:
    """The rows a preview's form carried (None: not what `carried` wrote)."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    keys = {c.key for c in COLUMNS}
    if not isinstance(items, list) or len(items) > MAX_ROWS:
        return None
    rows = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
                and isinstance(item[1], dict)):
            return None
        rows.append(Row(item[0], {str(k): str(v)[:500] for k, v in item[1].items()
                                  if k in keys and isinstance(v, str)}))
    return rows


@dataclass(frozen=True)
class ImportPage:
    values: dict[str, str]
    """The import form's fields (municipality, programme, period)."""
    options: dict[str, list[tuple[str, str]]]
    stage: Stage = "form"
    problems: dict[str, str] = field(default_factory=dict)
    """The form's own fields' problems (and the file's, `file`)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Registration's words for a field of the form it refused."""
    missing: list[str] = field(default_factory=list)
    """The required columns the file lacks."""
    ignored: list[str] = field(default_factory=list)
    """The file's headers that are no column of the import."""
    rows: list[Row] = field(default_factory=list)
    read_only: bool = False

    @property
    def bad(self) -> list[Row]:
        return [row for row in self.rows if row.problems]

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if not row.problems]

    @property
    def editable(self) -> list[Row]:
        return self.bad[:EDITABLE]

    @property
    def columns(self) -> tuple[Column, ...]:
        return COLUMNS

    @property
    def sections(self) -> tuple[Section, ...]:
        return FORMS["import"]

    @property
    def missing_headers(self) -> list[str]:
        return [c.header for c in COLUMNS if c.key in self.missing]

    @property
    def carried(self) -> str:
        """The rows the next step takes: all of a preview's, the bad ones once run."""
        return carried(self.rows if self.stage == "preview" else self.bad)

    @property
    def status(self) -> int:
        return 422 if self.problems else 200


def bad_rows_table(rows: Sequence[Row], words: Mapping[str, str]) -> tuple[
        list[str], list[list[str]]]:
    """The rows with problems as a table to fix and import again: the import's columns,
    then `fel` (each problem, in `words` by column key and problem key, and
    registration's reason)."""
    header = [c.header for c in COLUMNS] + ["fel"]
    table = []
    for row in rows:
        said = [f"{words.get(column, column)}: {words.get(problem, problem)}"
                + (f" ({row.reasons[column]})" if column in row.reasons else "")
                for column, problem in row.problems.items()]
        table.append([row.cells.get(c.key, "") for c in COLUMNS] + ["; ".join(said)])
    return header, table
