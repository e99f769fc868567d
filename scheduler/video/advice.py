"""``GET /api/v1/advice/consultations/{id}/room``: a consultation's room, for its requester
and its advisor alone, in the same window as a workshop's room (api-contract, advice desk).
The consultation's own workshop carries the room; this route answers as its room route does.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from courses.advice import permissions as advice_permissions
from lms.api import bp
from lms.errors import Forbidden
from lms.security import current_person, roles_required

from . import api


@bp.get("/advice/consultations/<int:consultation_id>/room")
@roles_required()
def consultation_room(consultation_id: int):
    consultation = advice_permissions.consultation_visible(consultation_id)
    user = current_person()
    if user.id not in (consultation.case.requester_id, consultation.advisor_id):
        raise Forbidden(_l("Only the person who asked and the advisor can enter this room."))
    return api.room(consultation.workshop_id)
