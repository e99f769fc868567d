"""Reading a file of people (CSV or XLSX, with Moodle's "upload users" column names) and
checking every row, before anything is written. Nothing here writes: the rows checked are
kept by :func:`courses.people.operations.stage_import`, and written all at once by
:func:`courses.people.operations.confirm_import`.

A file is refused as a whole, with the reason, when it cannot be read as a table of people:
too big, not UTF-8 (a CSV saved as Latin-1), NUL bytes, an ``.xlsx`` that is no zip, a
header without the required columns, no rows, too many rows. Otherwise each row gets its
outcome: ``new`` (an account will be made), ``updated`` (the address has one: its name,
language and zone are brought up to date) or ``error`` with its reason. A cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is an error, never stored.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.accounts.operations import normalise_email
from lms.db import db
from lms.errors import DomainError, is_unsafe_text, one_line

from . import permissions, queries

#: Moodle's upload-users columns that Aula reads; ``username`` and ``institution`` are kept
#: for the preview only (Aula signs in by address and has no institution field).
REQUIRED = ("email", "firstname", "lastname")
OPTIONAL = ("username", "lang", "timezone", "institution", "workshop")
MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileRefused(DomainError):
    """The file as a whole cannot be imported (nothing is kept of it)."""

    status = 422


def _refuse(message: Any, code: str) -> FileRefused:
    return FileRefused(message, code=code, status=422)


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts by lower-case column name, or :class:`FileRefused`."""
    if not data:
        raise _refuse(_l("The file is empty."), "empty_file")
    if len(data) > MAX_BYTES:
        raise too_big()
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(data)
    else:
        raise _refuse(_l("Please send a .csv or an .xlsx file."), "bad_file_type")
    return _as_dicts(rows)


def too_big() -> FileRefused:
    return _refuse(
        _l("The file is too big: at most %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)), "too_big"
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise _refuse(
            _l("The file holds NUL bytes: it is not a text CSV file (was it saved as UTF-16?)."),
            "nul_bytes",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise _refuse(
            _l(
                "The file is not in UTF-8 (line %(line)d). Save it as “CSV UTF-8” and send "
                "it again.",
                line=line,
            ),
            "bad_encoding",
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as e:
        raise _refuse(
            _l("The CSV file cannot be read: %(error)s", error=str(e)), "bad_csv"
        ) from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(_l("This is not an .xlsx file (an .xlsx file is a zip archive)."), "bad_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > 20 * MAX_BYTES:  # a zip bomb
            raise too_big()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        rows = []
        for count, row in enumerate(sheet.iter_rows(values_only=True)):
            if count > MAX_ROWS + 1:
                raise _too_many()
            rows.append([_cell(cell) for cell in row])
        book.close()
        return rows
    except FileRefused:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise _refuse(_l("The .xlsx file is damaged and cannot be read."), "bad_xlsx") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_many() -> FileRefused:
    return _refuse(_l("The file has too many rows: at most %(n)d.", n=MAX_ROWS), "too_many_rows")


def _as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise _refuse(_l("The file is empty."), "empty_file")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise _refuse(
            _l(
                "The first row must name the columns; missing: %(columns)s.",
                columns=", ".join(missing),
            ),
            "missing_columns",
        )
    if len(rows) - 1 > MAX_ROWS:
        raise _too_many()
    if len(rows) == 1:
        raise _refuse(_l("The file has no rows under its header."), "empty_file")
    known = [name if name in REQUIRED + OPTIONAL else "" for name in header]
    return [
        {name: (row[i] if i < len(row) else "") for i, name in enumerate(known) if name}
        for row in rows[1:]
    ]


def _error(row: dict[str, Any], reason: Any) -> dict[str, Any]:
    row["outcome"] = "error"
    row["reason"] = str(reason)
    return row


def check_rows(staff: Any, table: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each row's outcome, in the reader's language: read in a few queries whatever the
    number of rows (the addresses that have accounts, the workshops named)."""
    languages = current_app.config["LANGUAGES"]
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(table, start=2):
        checked.append(_check_cells(line, cells, languages, seen))
    emails = [r["email"] for r in checked if r["outcome"] != "error"]
    existing = queries.existing_emails(emails)
    mine = _manageable_ids(staff, [e for e in emails if e in existing])
    workshops = queries.workshops_by_id({r["workshop"] for r in checked if r.get("workshop")})
    for row in checked:
        if row["outcome"] == "error":
            continue
        if row["email"] in existing:
            if existing[row["email"]] not in mine:
                _error(row, _l("This address has an account you do not manage."))
                continue
            row["outcome"] = "updated"
            row["user_id"] = existing[row["email"]]
        workshop_id = row.get("workshop")
        if workshop_id:
            workshop = workshops.get(workshop_id)
            reason = workshop_refusal(
                workshop if permissions.may_use_workshop(staff, workshop) else None
            )
            if reason:
                _error(row, reason)
    return checked


def _manageable_ids(staff: Any, emails: list[str]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        query = permissions.manageable(staff).where(User.email.in_(chunk))
        found.update(user.id for user in db.session.scalars(query))
    return found


def workshop_refusal(workshop: Any) -> Any:
    if workshop is None:
        return _l("There is no such workshop.")
    if workshop.audience.value != "public":
        return _l("This workshop is open only to its cohort.")
    if not workshop.is_open_for_enrolment():
        return _l("This workshop no longer takes enrolments.")
    return None


def _check_cells(
    line: int, cells: dict[str, str], languages: Iterable[str], seen: dict[str, int]
) -> dict[str, Any]:
    row: dict[str, Any] = {"line": line, "outcome": "new", "reason": ""}
    for name, value in cells.items():
        value = value.strip()
        if value.startswith(FORMULA_STARTS) or cells[name].startswith(FORMULA_STARTS):
            row.setdefault("email", cells.get("email", "")[:254])
            return _error(
                row,
                _l(
                    "The column “%(column)s” starts with %(char)s, as a spreadsheet formula "
                    "does; formulas are not imported.",
                    column=name,
                    char=repr(cells[name].lstrip(" ")[:1]),
                ),
            )
        if is_unsafe_text(value):
            row.setdefault("email", "")
            return _error(row, _l("The column “%(column)s” holds control characters.", column=name))
    row["email"] = cells.get("email", "").strip()[:254]
    name = one_line(f"{cells.get('firstname', '').strip()} {cells.get('lastname', '').strip()}")
    row["name"] = name
    row["username"] = cells.get("username", "").strip()[:100]
    row["institution"] = one_line(cells.get("institution", ""))[:200]
    try:
        row["email"] = normalise_email(row["email"])
    except DomainError as e:
        return _error(row, e.message)
    if row["email"] in seen:
        return _error(
            row, _l("The address %(email)s is also on line %(line)d.", email=row["email"],
                    line=seen[row["email"]])
        )  # fmt: skip
    seen[row["email"]] = line
    if not cells.get("firstname", "").strip() or not cells.get("lastname", "").strip():
        return _error(row, _l("Please give a first name and a last name."))
    if len(name) > 120:
        return _error(row, _l("The name is longer than 120 characters."))
    lang = cells.get("lang", "").strip().lower().replace("_", "-")
    if lang and lang not in languages:
        return _error(row, _l("Unknown language: %(locale)s", locale=lang[:20]))
    row["lang"] = lang
    zone = cells.get("timezone", "").strip()
    if zone and zone not in _zones():
        return _error(row, _l("Unknown time zone: %(zone)s", zone=zone[:64]))
    row["timezone"] = zone
    workshop = cells.get("workshop", "").strip()
    if workshop:
        if not (workshop.isascii() and workshop.isdigit() and 0 < int(workshop) < 2**31):
            return _error(row, _l("The workshop must be given by its number."))
        row["workshop"] = int(workshop)
    return row


def _zones() -> frozenset[str]:
    from lms.accounts.operations import _ZONES

    return _ZONES
