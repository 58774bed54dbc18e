"""Reports as files to download: CSV a spreadsheet opens right, XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi import Response
from openpyxl import Workbook

Cell = str | int | float | bool | None
Sheet = tuple[str, Sequence[str], Sequence[Sequence[Cell]]]
"""A worksheet: its title, its header, its rows."""

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS: dict[int | str, dict[str, Any]] = {200: {"content": {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}},
    XLSX: {"schema": {"type": "string", "format": "binary"}}}}}
"""The OpenAPI `responses` of a route that answers JSON, CSV or XLSX."""


def as_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so that a spreadsheet opens å, ä, ö right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """One worksheet per table, each with its header on the first row."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        worksheet = workbook.create_sheet(title)
        worksheet.append(list(header))
        for row in rows:
            worksheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
