"""Attendance exports, CSV and XLSX, a workshop's and the report's: the same rows, and no cell
a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from courses.attendance import exports, operations
from courses.workshops.models import Attendance
from lms.db import db

START = datetime(2026, 3, 17, 11, 0, tzinfo=UTC)  # 12:00 in Madrid
#: A name for each way a cell can start a formula.
HOSTILE = ["=1+1", "+34 600", "-2", "@SUM(A1)", "\tTab", "\rReturn"]
REPORT = "/reports/attendance.{fmt}?date_from=2026-03-16&date_to=2026-03-22"


def read(response, fmt: str) -> list[list[str]]:
    """The rows of an export, header first, as a spreadsheet would read the cells."""
    if fmt == "csv":
        text = response.get_data().decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:], newline="")))
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type == "s" for cell in cells if cell.value is not None)
    return [[cell.value or "" for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def hostile(make_held_workshop, make_user):
    """A workshop held at START whose people, title, topic and trainer all start formulas."""
    people = [make_user() for _ in HOSTILE]
    for person, name in zip(people, HOSTILE, strict=True):
        person.name = name  # as stored, whatever the forms strip (an import, an old account)
    db.session.commit()
    workshop, _, _ = make_held_workshop(
        seated=people,
        starts_at=START,
        title='=HYPERLINK("http://evil")',
        topic="@topic",
        trainer=make_user("trainer", name="-Trainer"),
    )
    operations.mark(workshop.id, people[0].id, Attendance.present, by=workshop.trainer)
    db.session.commit()
    return workshop


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("where", ["workshop", "report"])
def test_every_export_neutralises_formulas(fmt, where, hostile, make_user, client, login):
    # Whatever starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe,
    # in every export; the XLSX stores every cell as text (no formula cell).
    login(make_user("coordinator"))
    url = f"/workshops/{hostile.id}/attendance.{fmt}" if where == "workshop" else REPORT
    response = client.get(url.format(fmt=fmt))
    assert response.status_code == 200
    header, *rows = read(response, fmt)
    assert header == list(exports.COLUMNS)
    names = ["'" + name for name in HOSTILE]
    if fmt == "xlsx":  # XML reads a carriage return as a line feed
        names = [name.replace("\r", "\n") for name in names]
    assert sorted(r[0] for r in rows) == sorted(names)
    for row in rows:
        assert row[3] == '\'=HYPERLINK("http://evil")'
        assert row[4] == "'@topic" and row[5] == "'-Trainer"
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


@pytest.mark.parametrize("where", ["workshop", "report"])
def test_the_xlsx_holds_the_rows_of_the_csv(where, make_held_workshop, make_user, client, login):
    # The same rows in both files; the workbook has a bold, frozen, filterable header.
    people = [make_user(name="Ana Barreiro"), make_user(name="Brais Otero")]
    workshop, _, _ = make_held_workshop(seated=people, starts_at=START, title="Footer")
    operations.mark(workshop.id, people[1].id, Attendance.late, by=workshop.trainer)
    db.session.commit()
    login(make_user("coordinator"))
    url = f"/workshops/{workshop.id}/attendance.{{fmt}}" if where == "workshop" else REPORT
    as_csv = read(client.get(url.format(fmt="csv")), "csv")
    response = client.get(url.format(fmt="xlsx"))
    assert response.mimetype == exports.XLSX_MIMETYPE
    stem = (
        f"attendance-workshop-{workshop.id}-2026-03-17"
        if where == "workshop"
        else ("attendance-2026-03-16-2026-03-22")
    )
    assert response.headers["Content-Disposition"] == f'attachment; filename="{stem}.xlsx"'
    assert read(response, "xlsx") == as_csv
    assert [r[0] for r in as_csv[1:]] == ["Ana Barreiro", "Brais Otero"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L3"
    assert all(cell.font.bold for cell in sheet[1])


def test_the_xlsx_exports_belong_to_who_may_see_the_csv(
    make_held_workshop, make_user, client, login
):
    # The same permissions as the CSV: a learner gets 403 for the workshop's and the report's.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    login(ana)
    assert client.get(f"/workshops/{workshop.id}/attendance.xlsx").status_code == 403
    assert client.get(REPORT.format(fmt="xlsx")).status_code == 403
    login(workshop.trainer)
    assert client.get(f"/workshops/{workshop.id}/attendance.xlsx").status_code == 200
