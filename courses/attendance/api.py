"""The attendance route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from courses.workshops.queries import get_workshop
from lms.api import auth_required, bp, current_api_user, field, json_body
from lms.db import db
from lms.errors import Forbidden, NotFound

from . import operations
from .models import AttendanceMark


def mark_json(user_id: int, mark: AttendanceMark) -> dict:
    return {
        "user_id": user_id,
        "status": mark.enrolment.attendance.value,
        "source": mark.source.value,
        "marked_by": {"id": mark.marked_by.id, "name": mark.marked_by.name}
        if mark.marked_by
        else None,
        "marked_at": mark.marked_at.isoformat(),
    }


@bp.put("/workshops/<int:workshop_id>/attendance/<int:user_id>")
@auth_required("trainer", "coordinator")
def put_attendance(workshop_id: int, user_id: int):
    user = current_api_user()
    workshop = get_workshop(workshop_id)
    if workshop is None:
        raise NotFound(_l("There is no such workshop."))
    if not workshop.can_be_managed_by(user):
        raise Forbidden(_l("Only the workshop's trainer or a coordinator can take attendance."))
    status = operations.parse_status(field(json_body(), "status"))
    enrolment = operations.mark(workshop_id, user_id, status, by=user)
    db.session.commit()
    mark = db.session.get(AttendanceMark, enrolment.id)
    return jsonify(mark_json(user_id, mark))
