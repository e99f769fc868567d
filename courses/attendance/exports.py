"""Exports of attendance, CSV and XLSX, in the columns a funder's spreadsheet asks for.

- ``entity``: the names of the person's entities, joined with "; " when several;
- ``minutes_in_room`` stays empty: Aula records when someone enters the room, not when they
  leave, so it cannot know; ``first_joined`` (local time) is given instead;
- dates and times are the workshop's wall-clock ones, in its zone;
- the CSV is UTF-8 with a byte-order mark so that spreadsheets read accents right; the XLSX
  (openpyxl) holds the same cells as text, with a bold, frozen, filterable header;
- in both, a cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab
  or a carriage return) gets a leading apostrophe: :func:`neutralise`, the one place that does
  it, for every export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .queries import ExportRow

COLUMNS = (
    "name",
    "email",
    "entity",
    "workshop",
    "topic",
    "trainer",
    "date",
    "start",
    "timezone",
    "status",
    "first_joined",
    "minutes_in_room",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: str) -> str:
    """A text cell no spreadsheet runs as a formula: a leading apostrophe when it would."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _record(row: ExportRow) -> list[str]:
    zone = ZoneInfo(row.timezone)
    start = row.starts_at.astimezone(zone)
    joined = row.first_join.astimezone(zone).strftime("%H:%M") if row.first_join else ""
    return [
        row.name,
        row.email,
        row.entities,
        row.workshop,
        row.topic,
        row.trainer,
        start.strftime("%Y-%m-%d"),
        start.strftime("%H:%M"),
        row.timezone,
        row.status.value if row.status else "",
        joined,
        "",
    ]


def _records(rows: Iterable[ExportRow]) -> Iterable[list[str]]:
    return (_record(row) for row in rows)


def csv_table(columns: Sequence[str], records: Iterable[Sequence[str]]) -> str:
    """Any export's CSV: UTF-8 with a byte-order mark, CRLF, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise(cell) for cell in record] for record in records)
    return "\ufeff" + out.getvalue()


def xlsx_table(columns: Sequence[str], records: Iterable[Sequence[str]], title: str) -> bytes:
    """Any export's workbook: one sheet, the header bold, frozen and filterable, every cell
    neutralised and stored as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in columns]
    for record in records:
        values = [neutralise(cell) for cell in record]
        sheet.append(values)
        widths = [max(w, min(len(v), 60)) for w, v in zip(widths, values, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows: Iterable[ExportRow]) -> str:
    return csv_table(COLUMNS, _records(rows))


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def csv_response(rows: Iterable[ExportRow], filename: str) -> Response:
    return _download(csv_text(rows), "text/csv", filename)


def xlsx_response(rows: Iterable[ExportRow], filename: str) -> Response:
    """The same rows as the CSV, as a workbook (``filename`` ends in ``.xlsx``)."""
    return _download(xlsx_table(COLUMNS, _records(rows), "attendance"), XLSX_MIMETYPE, filename)
