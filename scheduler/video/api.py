"""``GET /api/v1/workshops/{id}/room``: the room's address for the entitled (api-contract);
``PUT`` the same with ``{provider, link?}``: the trainer's choice for one workshop (an addition:
``provider`` null follows the site's, ``link`` is the pasted address for ``video_link``).

It respects the same window as the ``/join`` door (409 before it opens and after the end)
and does not count as a join: attendance is recorded by ``/join`` only, so a script that
reads the address does not mark anyone present. ``join_url`` is Aula's door, safe to share
with the person.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from courses.workshops import permissions as workshop_permissions
from lms.api import bp
from lms.apispec import Body, Line, declare
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


class RoomOut(BaseModel):
    url: str = Field(description="the video room's address for this person")
    join_url: str = Field(description="Aula's door to the room, safe to share with the person")
    opens_at: str = Field(json_schema_extra={"format": "date-time"})
    closes_at: str = Field(json_schema_extra={"format": "date-time"})


class RoomChoice(Body):
    provider: Line(60, min_length=0) | None = None  # type: ignore[valid-type]
    link: Line(2000, min_length=0) | None = ""  # type: ignore[valid-type]


class RoomSet(BaseModel):
    provider: str | None
    join_url: str


@bp.get("/workshops/<int:workshop_id>/room")
@roles_required()
@declare(
    who="enrolled learner, its trainer, coordinator",
    answers={200: RoomOut},
    errors=(403, 409, 503),
)
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
    body = RoomOut(
        url=url,
        join_url=join_url,
        opens_at=_iso(workshop, opens_at),
        closes_at=_iso(workshop, closes_at),
    )
    return body, 200, {"Cache-Control": "no-store"}


@bp.put("/workshops/<int:workshop_id>/room")
@roles_required("trainer", "coordinator")
@declare(who="its trainer, coordinator", json=RoomChoice, answers={200: RoomSet}, errors=(403,))
def set_room(workshop_id: int, json: RoomChoice):
    """The trainer's choice of video room for one workshop (``provider`` null: the site's)."""
    workshop = workshop_permissions.managed(workshop_id)
    room = operations.set_room(workshop, json.provider or None, json.link or "")
    db.session.commit()
    return RoomSet(provider=room.provider, join_url=links.join_url(workshop))
