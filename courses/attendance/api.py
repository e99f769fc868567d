"""The attendance route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import jsonify

from courses.workshops import permissions as workshop_permissions
from courses.workshops.models import Attendance
from lms.api import bp, field, json_body
from lms.db import db
from lms.security import current_person, roles_required

from . import operations
from .models import AttendanceMark


def mark_json(user_id: int, mark: AttendanceMark) -> dict:
    return {
        "user_id": user_id,
        "status": mark.enrolment.attendance and mark.enrolment.attendance.value,
        "source": mark.source.value,
        "marked_by": {"id": mark.marked_by.id, "name": mark.marked_by.name}
        if mark.marked_by
        else None,
        "marked_at": mark.marked_at.isoformat(),
    }


@bp.put("/workshops/<int:workshop_id>/attendance/<int:user_id>")
@roles_required("trainer", "coordinator")
def put_attendance(workshop_id: int, user_id: int):
    user = current_person()
    workshop_permissions.visible(workshop_id)  # 404 to outsiders; the operation checks who may mark
    status = Attendance.parse(field(json_body(), "status"), "status")
    enrolment = operations.mark(workshop_id, user_id, status, by=user)
    db.session.commit()
    mark = db.get_or_404(AttendanceMark, enrolment.id)
    return jsonify(mark_json(user_id, mark))
