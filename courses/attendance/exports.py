"""CSV exports of attendance, in the columns a funder's spreadsheet asks for.

- ``entity``: the names of the person's entities, joined with "; " when several;
- ``minutes_in_room`` stays empty: Aula records when someone enters the room, not when they
  leave, so it cannot know; ``first_joined`` (local time) is given instead;
- dates and times are the workshop's wall-clock ones, in its zone;
- the file is UTF-8 with a byte-order mark so that spreadsheets read accents right, and a
  cell that a spreadsheet would run as a formula is quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import Response

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


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _record(row: ExportRow) -> list[str]:
    zone = ZoneInfo(row.timezone)
    start = row.starts_at.astimezone(zone)
    joined = row.first_join.astimezone(zone).strftime("%H:%M") if row.first_join else ""
    return [
        _cell(row.name),
        _cell(row.email),
        _cell(row.entities),
        _cell(row.workshop),
        _cell(row.topic),
        _cell(row.trainer),
        start.strftime("%Y-%m-%d"),
        start.strftime("%H:%M"),
        row.timezone,
        row.status.value if row.status else "",
        joined,
        "",
    ]


def csv_text(rows: Iterable[ExportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_record(row) for row in rows)
    return "\ufeff" + out.getvalue()


def csv_response(rows: Iterable[ExportRow], filename: str) -> Response:
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
