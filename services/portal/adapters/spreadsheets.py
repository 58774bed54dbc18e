"""An uploaded file as a table of text: XLSX by openpyxl (its first sheet), CSV by the
standard library (UTF-8 with or without a byte-order mark, or the Windows code page a
spreadsheet saves in; `;` or `,` between cells, as the file has it)."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from services.portal.domain.imports import MAX_ROWS, Table, Unreadable

XLSX_MAGIC = b"PK\x03\x04"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed in a cell, as it was typed
    return str(value)


def _xlsx(content: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise Unreadable("not an XLSX workbook") from error
    try:
        sheet = workbook.worksheets[0]
        return [[_text(value) for value in row]
                for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()


def _csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves a few bytes undefined
        raise Unreadable("not text")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else (
        "\t" if "\t" in first and "," not in first else ",")
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        return list(itertools.islice(reader, MAX_ROWS + 2))
    except csv.Error as error:
        raise Unreadable(str(error)) from error


def read_table(content: bytes) -> Table:
    """The file's header (its first row) and the rows under it, each cell as text."""
    if not content.strip():
        raise Unreadable("empty")
    lines = _xlsx(content) if content.startswith(XLSX_MAGIC) else _csv(content)
    if not lines:
        raise Unreadable("empty")
    return Table(lines[0], lines[1:])
