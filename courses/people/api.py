"""The people routes of the JSON API: enrolling someone on their behalf."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import Field

from courses.workshops import permissions as workshop_permissions
from courses.workshops import queries as workshop_queries
from courses.workshops.api import EnrolmentOut
from courses.workshops.models import EnrolmentState
from lms.accounts.models import User
from lms.api import bp
from lms.apispec import Body, declare
from lms.db import db
from lms.errors import NotFound
from lms.security import current_person, roles_required

from . import operations


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
