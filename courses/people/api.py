"""The people routes of the JSON API: enrolling someone on their behalf, importing a file of
people into a programme."""

from __future__ import annotations

from typing import Any, Literal

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from courses.workshops import permissions as workshop_permissions
from courses.workshops import queries as workshop_queries
from courses.workshops.api import EnrolmentOut
from courses.workshops.models import EnrolmentState
from lms.accounts.models import User
from lms.api import bp
from lms.apispec import Body, declare
from lms.db import db
from lms.errors import DomainError, NotFound
from lms.programmes import permissions as programme_permissions
from lms.security import current_person, roles_required

from . import imports, operations, permissions


class OnBehalf(Body):
    user_id: int = Field(ge=1, lt=2**31)


@bp.post("/workshops/<int:workshop_id>/enrolments")
@roles_required()
@declare(
    who="its trainer, the programme's coordinator",
    json=OnBehalf,
    answers={200: EnrolmentOut, 201: EnrolmentOut},
    errors=(403, 404, 409, 422),
)
def enrol_on_behalf(workshop_id: int, json: OnBehalf):
    """Enrol a learner as if they had asked: a seat, or the last place on the waiting list;
    repeating it answers the same enrolment with 200. Recorded as done by the caller."""
    workshop = workshop_permissions.managed(workshop_id)
    person = db.session.get(User, json.user_id)
    if person is None:
        raise NotFound(_l("There is no such person."))
    before = workshop_queries.place(workshop.id, person.id)
    was_live = before is not None and before.enrolment.is_live
    enrolment = operations.enrol(current_person(), person, workshop.id)
    position = None
    if enrolment.state is EnrolmentState.waitlisted:
        place = workshop_queries.place(workshop.id, person.id)
        position = place.position if place else None
    body = EnrolmentOut.of(enrolment, position)
    db.session.commit()
    return body, 200 if was_live else 201


#: The file types the import takes as its raw body, and the name each is read as.
FILE_TYPES = {
    "text/csv": "people.csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "people.xlsx",
}


class ImportRow(BaseModel):
    line: int
    email: str
    outcome: Literal["new", "updated", "error"]
    reason: str | None = None


class ImportRows(BaseModel):
    rows: list[ImportRow]


class ImportQuery(BaseModel):
    dry_run: str | None = Field(None, description="1: check the file and write nothing")


def _rows(rows: list[dict[str, Any]]) -> ImportRows:
    return ImportRows(
        rows=[
            ImportRow(
                line=r["line"],
                email=r.get("email", ""),
                outcome=r["outcome"],
                reason=r.get("reason") or None,
            )
            for r in rows
        ]
    )


@bp.post("/programmes/<int:programme_id>/people/import")
@roles_required()
@declare(
    who="the programme's coordinator",
    query=ImportQuery,
    answers={200: ImportRows, 422: ImportRows},
    errors=(403, 404, 413, 415),
    max_body=imports.MAX_BYTES,
)
def import_people(programme_id: int, query: ImportQuery):
    """The body is a CSV or XLSX file (``Content-Type`` ``text/csv`` or the XLSX type) with
    Moodle's upload-users columns; each row's outcome. With ``dry_run=1`` nothing is written;
    without it the rows are written all or nothing (422 with the rows when any is an error)."""
    programme_permissions.managed(programme_id)
    staff = permissions.staff_only()
    filename = FILE_TYPES.get(request.mimetype)
    if filename is None:
        raise DomainError(
            _l("Please send a .csv or an .xlsx file."), code="bad_file_type", status=415
        )
    data = request.get_data(cache=False)
    if query.dry_run not in (None, "", "0"):
        return _rows(imports.check_rows(staff, imports.read_table(filename, data)))
    staged = operations.stage_import(staff, filename, data)
    body = _rows(staged.rows)
    if any(r.outcome == "error" for r in body.rows):
        db.session.rollback()  # nothing kept, not even the staged rows
        return body, 422
    operations.confirm_import(staff, staged.id, programme_id)  # they join this programme
    db.session.commit()
    return body
