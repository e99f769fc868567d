"""Reads about workshops: the catalogue, rosters, a person's places. Constant queries per page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.pagination import Window
from lms.programmes.models import Programme

from .models import Attendance, Audience, Enrolment, EnrolmentState, Workshop, WorkshopStatus


def get_workshop(workshop_id: int) -> Workshop | None:
    return db.session.get(Workshop, workshop_id)


def catalogue(
    *,
    topic: str | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    include_cancelled: bool = False,
    window: Window | None = None,
    programme: str | None = None,
) -> list[Workshop]:
    """Upcoming public workshops, soonest first (one page of them with ``window``); only one
    programme's with ``programme`` (its slug; none for a slug no programme has)."""
    query = sa.select(Workshop).where(
        Workshop.audience == Audience.public,
        Workshop.starts_at >= (starts_from or utcnow()),
    )
    if programme:
        query = query.where(Workshop.programme_id == _programme_named(programme))
    if not include_cancelled:
        query = query.where(Workshop.status == WorkshopStatus.scheduled)
    if topic:
        query = query.where(Workshop.topic == topic)
    if starts_to:
        query = query.where(Workshop.starts_at < starts_to)
    query = query.order_by(Workshop.starts_at, Workshop.id)
    return list(db.session.scalars(window.apply(query) if window else query))


def _programme_named(slug: str):
    return sa.select(Programme.id).where(Programme.slug == slug).scalar_subquery()


def topics(programme: str | None = None) -> list[str]:
    query = (
        sa.select(Workshop.topic)
        .where(Workshop.topic != "", Workshop.audience == Audience.public)
        .distinct()
        .order_by(Workshop.topic)
    )
    if programme:
        query = query.where(Workshop.programme_id == _programme_named(programme))
    return list(db.session.scalars(query))


def topics_in(programme_ids: Iterable[int]) -> list[str]:
    """The topics the workshops of these programmes carry, in order: what planners pick from
    and what a new topic is matched against (:func:`.operations.topic_as_kept`)."""
    ids = list(programme_ids)
    if not ids:
        return []
    query = (
        sa.select(Workshop.topic)
        .where(Workshop.topic != "", Workshop.programme_id.in_(ids))
        .distinct()
        .order_by(Workshop.topic)
    )
    return list(db.session.scalars(query))


def _waitlist_position():
    """A correlated count: how many wait ahead of an enrolment, plus one."""
    ahead = aliased(Enrolment)
    return (
        sa.select(sa.func.count(ahead.id) + 1)
        .where(
            ahead.workshop_id == Enrolment.workshop_id,
            ahead.state == EnrolmentState.waitlisted,
            ahead.arrival < Enrolment.arrival,
        )
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Place:
    """A person's enrolment with its waiting position (None when not waiting)."""

    enrolment: Enrolment
    position: int | None

    @property
    def workshop(self) -> Workshop:
        return self.enrolment.workshop


def place(workshop_id: int, user_id: int) -> Place | None:
    row = db.session.execute(
        sa.select(Enrolment, _waitlist_position()).where(
            Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    enrolment, position = row
    return Place(enrolment, position if enrolment.state is EnrolmentState.waitlisted else None)


def places_of(
    user_id: int,
    *,
    live_only: bool = False,
    starts_from: datetime | None = None,
    window: Window | None = None,
) -> list[Place]:
    """A person's enrolments, waiting places included, soonest workshop first."""
    query = (
        sa.select(Enrolment, _waitlist_position())
        .join(Enrolment.workshop)
        .options(sa.orm.contains_eager(Enrolment.workshop))
        .where(Enrolment.user_id == user_id)
        .order_by(Workshop.starts_at, Workshop.id)
    )
    if starts_from is not None:
        query = query.where(Workshop.starts_at >= starts_from)
    if live_only:
        query = query.where(
            Enrolment.state.in_([EnrolmentState.enrolled, EnrolmentState.waitlisted])
        )
    if window:
        query = window.apply(query)
    return [
        Place(e, pos if e.state is EnrolmentState.waitlisted else None)
        for e, pos in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Agenda:
    """A person's places as "My workshops" lays them out."""

    #: Seats in workshops not over yet (under way included), soonest first.
    next: list[Place]
    #: Waiting places in workshops not started yet, soonest first, with their position.
    waiting: list[Place]
    #: Seats in workshops that are over, and waiting places that never became one, latest
    #: first.
    past: list[Place]


def agenda_of(user_id: int, now: datetime | None = None) -> Agenda:
    """:func:`places_of` (live places only) split for the agenda, in one query."""
    now = now or utcnow()
    next_: list[Place] = []
    waiting: list[Place] = []
    past: list[Place] = []
    for place_ in places_of(user_id, live_only=True):
        workshop = place_.workshop
        if place_.position is None:
            (next_ if workshop.ends_at > now else past).append(place_)
        else:
            (waiting if not workshop.has_started(now) else past).append(place_)
    past.sort(key=lambda p: p.workshop.starts_at, reverse=True)
    return Agenda(next_, waiting, past)


@dataclass(frozen=True)
class RosterLine:
    """One person as a roster shows them, on its page and in the API alike."""

    user_id: int
    name: str
    #: Only for people holding a seat: the waiting list shows no addresses.
    email: str | None
    attendance: Attendance | None
    #: 1 = next in, for people waiting.
    position: int | None


@dataclass(frozen=True)
class Roster:
    enrolled: list[Enrolment]
    waitlist: list[Enrolment]

    def lines(self) -> tuple[list[RosterLine], list[RosterLine]]:
        """What the roster shows: seat holders by name, then the waiting list in order."""
        seated = [
            RosterLine(e.user_id, e.user.name, e.user.email, e.attendance, None)
            for e in self.enrolled
        ]
        waiting = [
            RosterLine(e.user_id, e.user.name, None, None, n)
            for n, e in enumerate(self.waitlist, start=1)
        ]
        return seated, waiting


def roster(workshop_id: int) -> Roster:
    """Who holds a seat (by name) and who waits (in arrival order), in one query."""
    rows = db.session.scalars(
        sa.select(Enrolment)
        .options(sa.orm.joinedload(Enrolment.user))
        .where(
            Enrolment.workshop_id == workshop_id,
            Enrolment.state.in_([EnrolmentState.enrolled, EnrolmentState.waitlisted]),
        )
        .order_by(Enrolment.arrival)
    ).all()
    enrolled = sorted(
        (e for e in rows if e.state is EnrolmentState.enrolled), key=lambda e: e.user.name.lower()
    )
    return Roster(enrolled, [e for e in rows if e.state is EnrolmentState.waitlisted])


def taught_by(user_id: int) -> list[Workshop]:
    return list(
        db.session.scalars(
            sa.select(Workshop).where(Workshop.trainer_id == user_id).order_by(Workshop.starts_at)
        )
    )


def offers_to_waitlist_of(workshop_id: int) -> list[Workshop]:
    """Other dates opened for the waiting list of ``workshop_id`` that still take people."""
    return list(
        db.session.scalars(
            sa.select(Workshop)
            .where(
                Workshop.offered_from_id == workshop_id,
                Workshop.status == WorkshopStatus.scheduled,
                Workshop.starts_at > utcnow(),
            )
            .order_by(Workshop.starts_at)
        )
    )


def personal_data(user: User) -> list[dict[str, Any]]:
    """A person's places in workshops, for their export (lms.accounts.personal)."""
    rows = db.session.execute(
        sa.select(Enrolment, Workshop.title, Workshop.starts_at)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Workshop.starts_at, Enrolment.id)
    )
    return [
        {
            "workshop_id": e.workshop_id,
            "workshop": title,
            "starts_at": starts_at.isoformat(),
            "state": e.state.value,
            "attendance": e.attendance.value if e.attendance else None,
            "since": e.created_at.isoformat(),
        }
        for e, title, starts_at in rows
    ]
