"""Who may enter a workshop's room, when, and through which provider."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from courses.workshops import permissions as workshop_permissions
from courses.workshops import queries as workshop_queries
from courses.workshops.models import Audience, EnrolmentState, Workshop
from courses.workshops.queries import Place
from lms.db import db, utcnow
from lms.plugins import plugins
from lms.plugins.video import Participant, Room, RoomRole, optional

from ..links import workshop_page
from .models import VideoRoom


class Timing(enum.Enum):
    early = "early"
    open = "open"
    over = "over"
    cancelled = "cancelled"


def room_of(workshop_id: int) -> VideoRoom | None:
    return db.session.get(VideoRoom, workshop_id)


def role_of(workshop: Workshop, user: Any, place: Place | None = None) -> RoomRole | None:
    """The person's part in the room: moderator (its trainer, a coordinator), viewer (an
    enrolled learner, not one waiting), or None: no entry. ``place`` saves a query."""
    if not user or not user.is_authenticated:
        return None
    if is_consultation(workshop) and user.id != workshop.trainer_id:
        # A consultation's room is its two people's alone: no coordinator comes in.
        return _requester_role(workshop, user, place)
    if workshop_permissions.may_manage(user, workshop):
        return RoomRole.moderator
    if place is None:
        place = workshop_queries.place(workshop.id, user.id)
    if place is not None and place.enrolment.state is EnrolmentState.enrolled:
        return RoomRole.viewer
    return None


def is_consultation(workshop: Workshop) -> bool:
    """The workshop holds an advice-desk consultation (restricted, of no cohort)."""
    from courses.advice.queries import consultation_of_workshop

    restricted = workshop.audience is not Audience.public and workshop.cohort_id is None
    return restricted and consultation_of_workshop(workshop.id) is not None


def _requester_role(workshop: Workshop, user: Any, place: Place | None) -> RoomRole | None:
    if place is None:
        place = workshop_queries.place(workshop.id, user.id)
    if place is not None and place.enrolment.state is EnrolmentState.enrolled:
        return RoomRole.viewer
    return None


def is_waiting(workshop: Workshop, user: Any) -> bool:
    place = workshop_queries.place(workshop.id, user.id)
    return place is not None and place.enrolment.state is EnrolmentState.waitlisted


def window(workshop: Workshop) -> tuple[datetime, datetime]:
    """When the door is open: JOIN_OPENS_MINUTES_BEFORE the start, until the end."""
    before = timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES_BEFORE"])
    return workshop.starts_at - before, workshop.ends_at


def timing(workshop: Workshop, now: datetime | None = None) -> Timing:
    if workshop.is_cancelled:
        return Timing.cancelled
    now = now or utcnow()
    opens_at, closes_at = window(workshop)
    if now < opens_at:
        return Timing.early
    return Timing.open if now < closes_at else Timing.over


def provider_name(room: VideoRoom | None) -> str:
    return (room and room.provider) or current_app.config["VIDEO_PROVIDER"]


def provider(name: str) -> Any | None:
    return plugins("video").get(name)


def choices() -> list[tuple[str, str]]:
    """The providers a trainer may pick: installed and set up on this site."""
    return [
        (name, str(p.label))
        for name, p in sorted(plugins("video").items())
        if optional(p, "is_available")()
    ]


def room_spec(workshop: Workshop, room: VideoRoom) -> Room:
    return Room(
        key=room.key,
        title=workshop.title,
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        timezone=workshop.timezone,
        link=room.link,
        page_url=workshop_page(workshop),
    )


def participant(user: Any, role: RoomRole) -> Participant:
    return Participant(id=str(user.id), name=user.name, email=user.email, role=role)


@dataclass(frozen=True)
class Door:
    """What the workshop page shows about the room to the person reading it."""

    role: RoomRole | None
    timing: Timing
    opens_at: datetime
    closes_at: datetime
    can_manage: bool
    provider_label: str


def door(workshop: Workshop, user: Any, place: Place | None) -> Door:
    opens_at, closes_at = window(workshop)
    can_manage = workshop_permissions.may_manage(user, workshop)
    label = ""
    if can_manage:
        found = provider(provider_name(room_of(workshop.id)))
        label = str(found.label) if found else ""
    return Door(
        role=role_of(workshop, user, place) if (place or can_manage) else None,
        timing=timing(workshop),
        opens_at=opens_at,
        closes_at=closes_at,
        can_manage=can_manage,
        provider_label=label,
    )
