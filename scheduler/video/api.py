"""``GET /api/v1/workshops/{id}/room``: the room's address for the entitled (api-contract);
``PUT`` the same with ``{provider, link?}``: the trainer's choice for one workshop (an addition:
``provider`` null follows the site's, ``link`` is the pasted address for ``video_link``).

It respects the same window as the ``/join`` door (409 before it opens and after the end)
and does not count as a join: attendance is recorded by ``/join`` only, so a script that
reads the address does not mark anyone present. ``join_url`` is Aula's door, safe to share
with the person.
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from courses.workshops import permissions as workshop_permissions
from lms.api import bp, field, json_body
from lms.db import db
from lms.errors import Conflict, DomainError, Forbidden
from lms.i18n import in_zone
from lms.plugins.video import RoomUnavailable
from lms.security import current_person, roles_required

from .. import links
from . import operations, queries
from .queries import Timing


def _iso(workshop, moment) -> str:
    return in_zone(moment, workshop.zone).isoformat()


@bp.get("/workshops/<int:workshop_id>/room")
@roles_required()
def room(workshop_id: int):
    user = current_person()
    workshop = workshop_permissions.visible(workshop_id)
    role = queries.role_of(workshop, user)
    if role is None:
        raise Forbidden(
            _l(
                "Only the people enrolled in this workshop, its trainer and the coordinators "
                "can enter its video room."
            )
        )
    opens_at, closes_at = queries.window(workshop)
    timing = queries.timing(workshop)
    if timing is Timing.cancelled:
        raise Conflict(_l("This workshop has been cancelled."), code="cancelled")
    if timing is Timing.early:
        raise Conflict(
            _l("The room opens at %(time)s.", time=_iso(workshop, opens_at)), code="not_open_yet"
        )
    if timing is Timing.over:
        raise Conflict(_l("This workshop has ended."), code="ended")
    join_url = links.join_url(workshop)
    try:
        url = operations.address_for(workshop, user, role)
    except RoomUnavailable as e:
        raise DomainError(
            e.message or _l("The video room cannot be opened right now."),
            code="room_unavailable",
            status=503,
        ) from None
    response = jsonify(
        url=url,
        join_url=join_url,
        opens_at=_iso(workshop, opens_at),
        closes_at=_iso(workshop, closes_at),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/workshops/<int:workshop_id>/room")
@roles_required("trainer", "coordinator")
def set_room(workshop_id: int):
    workshop = workshop_permissions.managed(workshop_id)
    data = json_body()
    provider = field(data, "provider", required=False, max_length=60) or None
    link = field(data, "link", required=False, max_length=2000, default="")
    room = operations.set_room(workshop, provider, link)
    db.session.commit()
    return jsonify(provider=room.provider, join_url=links.join_url(workshop))
