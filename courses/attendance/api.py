"""The attendance route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from courses.workshops import permissions as workshop_permissions
from courses.workshops.models import Attendance
from lms.api import bp
from lms.apispec import Body, Person, declare, one_of, word
from lms.db import db
from lms.security import current_person, roles_required

from . import operations
from .models import AttendanceMark


class Mark(Body):
    status: word(Attendance)  # type: ignore[valid-type]


class MarkOut(BaseModel):
    user_id: int
    status: one_of(Attendance) | None  # type: ignore[valid-type]
    source: str = Field(examples=["trainer"])
    marked_by: Person | None
    marked_at: datetime


@bp.put("/workshops/<int:workshop_id>/attendance/<int:user_id>")
@roles_required("trainer", "coordinator")
@declare(who="its trainer, coordinator", json=Mark, answers={200: MarkOut}, errors=(403,))
def put_attendance(workshop_id: int, user_id: int, json: Mark):
    """Mark someone enrolled ``present``, ``late``, ``absent`` or ``excused``."""
    user = current_person()
    workshop_permissions.visible(workshop_id)  # 404 to outsiders; the operation checks who may mark
    status = Attendance.parse(json.status, "status")
    enrolment = operations.mark(workshop_id, user_id, status, by=user)
    db.session.commit()
    mark = db.get_or_404(AttendanceMark, enrolment.id)
    return MarkOut(
        user_id=user_id,
        status=mark.enrolment.attendance,
        source=mark.source.value,
        marked_by=Person.model_validate(mark.marked_by) if mark.marked_by else None,
        marked_at=mark.marked_at,
    )
