"""Reads about itineraries and cohorts: the dashboard, a person's cohorts, missing check-ins."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.pagination import Window
from lms.programmes.permissions import scope_for
from lms.programmes.queries import get_programme, holidays_of

from ..entities.models import Entity, Membership, Track
from ..workshops.models import Attendance, Enrolment, EnrolmentState, Workshop, WorkshopStatus
from .models import (
    CheckIn,
    CheckInReminder,
    Cohort,
    CohortMeeting,
    CohortPlace,
    Itinerary,
    ItineraryStep,
    PlaceState,
    StepKind,
)


def get_cohort(cohort_id: int) -> Cohort | None:
    return db.session.get(Cohort, cohort_id)


def get_itinerary(itinerary_id: int) -> Itinerary | None:
    return db.session.get(Itinerary, itinerary_id)


def itineraries(window: Window | None = None, *, person: Any = None) -> list[Itinerary]:
    """The itineraries of the programmes ``person`` (by default, whoever asks) coordinates."""
    query = (
        sa.select(Itinerary)
        .options(selectinload(Itinerary.steps))
        .where(scope_for(Itinerary.programme_id, person))
        .order_by(Itinerary.name, Itinerary.id)
    )
    return list(db.session.scalars(window.apply(query) if window else query))


def itinerary_for_track(track: Track, programme_id: int) -> Itinerary | None:
    """The newest itinerary of the programme labelled for ``track``."""
    return db.session.scalar(
        sa.select(Itinerary)
        .where(Itinerary.track == track, Itinerary.programme_id == programme_id)
        .order_by(Itinerary.id.desc())
    )


def all_cohorts(*, person: Any = None) -> list[Cohort]:
    """The cohorts of the programmes ``person`` (by default, whoever asks) coordinates."""
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .where(scope_for(Cohort.programme_id, person))
            .order_by(Cohort.starts_on.desc())
        )
    )


def places(cohort_id: int) -> list[CohortPlace]:
    """Every place of a cohort, in arrival order."""
    return list(
        db.session.scalars(
            sa.select(CohortPlace)
            .options(sa.orm.selectinload(CohortPlace.entity).selectinload(Entity.memberships))
            .where(CohortPlace.cohort_id == cohort_id)
            .order_by(CohortPlace.arrival)
        )
    )


def waitlist_positions(cohort_id: int) -> dict[int, int]:
    """entity_id -> position (1 = next in) for the entities waiting."""
    waiting = [p for p in places(cohort_id) if p.state is PlaceState.waitlisted]
    return {p.entity_id: n for n, p in enumerate(waiting, 1)}


def place_of(cohort_id: int, entity_id: int) -> CohortPlace | None:
    return db.session.scalar(
        sa.select(CohortPlace).where(
            CohortPlace.cohort_id == cohort_id, CohortPlace.entity_id == entity_id
        )
    )


def checkins(cohort_id: int) -> dict[int, list[CheckIn]]:
    """entity_id -> its check-ins, by week."""
    result: dict[int, list[CheckIn]] = defaultdict(list)
    for c in db.session.scalars(
        sa.select(CheckIn).where(CheckIn.cohort_id == cohort_id).order_by(CheckIn.week)
    ):
        result[c.entity_id].append(c)
    return result


def meetings(cohort_id: int, *, entity_ids: set[int] | None = None) -> list[CohortMeeting]:
    """The cohort's schedule, soonest first: cohort-wide meetings and per-entity ones (only
    those of ``entity_ids`` when given)."""
    query = (
        sa.select(CohortMeeting)
        .join(CohortMeeting.workshop)
        .where(CohortMeeting.cohort_id == cohort_id)
        .order_by(Workshop.starts_at, Workshop.id)
    )
    if entity_ids is not None:
        query = query.where(
            sa.or_(CohortMeeting.entity_id.is_(None), CohortMeeting.entity_id.in_(entity_ids))
        )
    return list(db.session.scalars(query))


# Whom a cohort concerns (courses/cohorts/permissions.py decides what they may do) ---------


def own_entity_ids(cohort_id: int, user: User) -> set[int]:
    """The entities with a live place in the cohort that ``user`` belongs to or mentors."""
    live = sa.and_(CohortPlace.cohort_id == cohort_id, CohortPlace.state != PlaceState.left)
    member = sa.select(CohortPlace.entity_id).join(
        Membership, Membership.entity_id == CohortPlace.entity_id
    )
    return set(
        db.session.scalars(
            sa.union(
                member.where(live, Membership.user_id == user.id),
                sa.select(CohortPlace.entity_id).where(live, CohortPlace.mentor_id == user.id),
            )
        )
    )


def is_mentor_of(entity_id: int, user: User) -> bool:
    return bool(
        db.session.scalar(
            sa.select(CohortPlace.id).where(
                CohortPlace.entity_id == entity_id,
                CohortPlace.state != PlaceState.left,
                CohortPlace.mentor_id == user.id,
            )
        )
    )


def live_places_of_entity(entity_id: int) -> list[CohortPlace]:
    """An entity's places that are not gone (admitted or waiting), newest cohort first."""
    return list(
        db.session.scalars(
            sa.select(CohortPlace)
            .options(sa.orm.joinedload(CohortPlace.cohort))
            .where(CohortPlace.entity_id == entity_id, CohortPlace.state != PlaceState.left)
            .order_by(CohortPlace.created_at.desc())
        )
    )


def mentored_places(user: User) -> list[CohortPlace]:
    return list(
        db.session.scalars(
            sa.select(CohortPlace)
            .where(CohortPlace.mentor_id == user.id, CohortPlace.state != PlaceState.left)
            .order_by(CohortPlace.cohort_id)
        )
    )


# Missing check-ins and the dashboard -------------------------------------------------------


def _checkin_weeks_due(cohort_id: int | None, now: datetime) -> list[tuple[int, int, int]]:
    """(cohort_id, entity_id, week) of every check-in meeting that has ended, for entities
    still admitted."""
    query = (
        sa.select(CohortMeeting.cohort_id, CohortMeeting.entity_id, CohortMeeting.week)
        .join(CohortMeeting.workshop)
        .join(CohortMeeting.step)
        .join(
            CohortPlace,
            sa.and_(
                CohortPlace.cohort_id == CohortMeeting.cohort_id,
                CohortPlace.entity_id == CohortMeeting.entity_id,
            ),
        )
        .where(
            CohortPlace.state == PlaceState.admitted,
            Workshop.status == WorkshopStatus.scheduled,
            Workshop.ends_at <= now,
            ItineraryStep.kind == StepKind.check_in,  # joined above: no EXISTS needed
        )
        .distinct()
    )
    if cohort_id is not None:
        query = query.where(CohortMeeting.cohort_id == cohort_id)
    return list(db.session.execute(query))


def missing_checkins(
    *, cohort_id: int | None = None, now: datetime | None = None
) -> list[tuple[CohortPlace, int]]:
    """(place, week) for each check-in meeting that has ended with no check-in recorded."""
    now = now or utcnow()
    due = _checkin_weeks_due(cohort_id, now)
    if not due:
        return []
    cohort_ids = {c for c, _e, _w in due}
    recorded = set(
        db.session.execute(
            sa.select(CheckIn.cohort_id, CheckIn.entity_id, CheckIn.week).where(
                CheckIn.cohort_id.in_(cohort_ids)
            )
        )
    )
    missing = sorted(set(due) - recorded)
    place_by_key = {
        (p.cohort_id, p.entity_id): p
        for p in db.session.scalars(
            sa.select(CohortPlace).where(CohortPlace.cohort_id.in_(cohort_ids))
        )
    }
    return [(place_by_key[(c, e)], w) for c, e, w in missing]


@dataclass
class EntityRow:
    """One entity on the dashboard."""

    place: CohortPlace
    checkins: list[CheckIn] = field(default_factory=list)
    missing_weeks: list[int] = field(default_factory=list)
    attended: int = 0
    expected: int = 0
    #: Cohort-wide meetings held before the entity took part (admitted later): none of its
    #: members held a seat in them.
    missed: int = 0

    @property
    def latest(self) -> CheckIn | None:
        return self.checkins[-1] if self.checkins else None


@dataclass
class Dashboard:
    cohort: Cohort
    admitted: list[EntityRow]
    waiting: list[EntityRow]
    next_meetings: list[CohortMeeting]
    current_week: int
    #: Coming days of meetings on which the programme does not meet: (day, meetings).
    holidays: list[tuple[date, int]] = field(default_factory=list)


def unannounced_checkins(now: datetime | None = None) -> list[tuple[CohortPlace, int]]:
    """The missing check-ins that nobody has been reminded of yet (two queries in all)."""
    missing = missing_checkins(now=now)
    if not missing:
        return []
    announced = set(
        db.session.execute(
            sa.select(
                CheckInReminder.cohort_id, CheckInReminder.entity_id, CheckInReminder.week
            ).where(CheckInReminder.cohort_id.in_({p.cohort_id for p, _w in missing}))
        )
    )
    return [(p, w) for p, w in missing if (p.cohort_id, p.entity_id, w) not in announced]


def _attendance(cohort_id: int, now: datetime) -> dict[int, tuple[int, int, set[int]]]:
    """entity_id -> (marked present or late, seats held, the cohort-wide meetings where its
    members held a seat) over the cohort's past meetings."""
    rows = db.session.execute(
        sa.select(Membership.entity_id, Enrolment.attendance, CohortMeeting.entity_id, Workshop.id)
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .join(CohortMeeting, CohortMeeting.workshop_id == Workshop.id)
        .join(Membership, Membership.user_id == Enrolment.user_id)
        .join(
            CohortPlace,
            sa.and_(
                CohortPlace.entity_id == Membership.entity_id,
                CohortPlace.cohort_id == CohortMeeting.cohort_id,
            ),
        )
        .where(
            CohortMeeting.cohort_id == cohort_id,
            Workshop.status == WorkshopStatus.scheduled,
            Workshop.ends_at <= now,
            Enrolment.state == EnrolmentState.enrolled,
        )
    ).all()
    result: dict[int, tuple[int, int, set[int]]] = {}
    for entity_id, attendance, meeting_entity, workshop_id in rows:
        if meeting_entity is not None and meeting_entity != entity_id:
            continue
        came, held, shared = result.get(entity_id, (0, 0, set()))
        if meeting_entity is None:
            shared.add(workshop_id)
        result[entity_id] = (came + (attendance in (Attendance.present, Attendance.late)),
                             held + 1, shared)  # fmt: skip
    return result


def _held_shared(cohort_id: int, now: datetime) -> int:
    """How many of the cohort's cohort-wide meetings have been held."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(CohortMeeting.id))
            .join(Workshop, Workshop.id == CohortMeeting.workshop_id)
            .where(
                CohortMeeting.cohort_id == cohort_id,
                CohortMeeting.entity_id.is_(None),
                Workshop.status == WorkshopStatus.scheduled,
                Workshop.ends_at <= now,
            )
        )
        or 0
    )


def meetings_on_holidays(cohort: Cohort, now: datetime | None = None) -> list[tuple[date, int]]:
    """The coming days, in the cohort's zone, on which it has meetings though its programme
    does not meet (``lms.programmes.queries.holidays_of``): each day with how many."""
    now = now or utcnow()
    days = holidays_of(get_programme(cohort.programme_id))
    zone = ZoneInfo(cohort.timezone)
    found: dict[date, int] = {}
    for starts_at in db.session.scalars(
        sa.select(Workshop.starts_at)
        .join(CohortMeeting, CohortMeeting.workshop_id == Workshop.id)
        .where(
            CohortMeeting.cohort_id == cohort.id,
            Workshop.status == WorkshopStatus.scheduled,
            Workshop.starts_at > now,
        )
    ):
        day = starts_at.astimezone(zone).date()
        if day in days:
            found[day] = found.get(day, 0) + 1
    return sorted(found.items())


def dashboard(cohort: Cohort, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    by_entity = checkins(cohort.id)
    missing: dict[int, list[int]] = defaultdict(list)
    for place, week in missing_checkins(cohort_id=cohort.id, now=now):
        missing[place.entity_id].append(week)
    attendance = _attendance(cohort.id, now)
    held_shared = _held_shared(cohort.id, now)
    rows: dict[str, list[EntityRow]] = {"admitted": [], "waitlisted": [], "left": []}
    for place in places(cohort.id):
        row = EntityRow(place, checkins=by_entity.get(place.entity_id, []))
        row.missing_weeks = missing.get(place.entity_id, [])
        row.attended, row.expected, shared = attendance.get(place.entity_id, (0, 0, set()))
        row.missed = held_shared - len(shared) if place.is_admitted else 0
        rows[place.state.value].append(row)
    rows["admitted"].sort(key=lambda r: r.place.entity.name.lower())
    upcoming = [
        m
        for m in meetings(cohort.id, entity_ids=set())
        if m.workshop.starts_at > now and not m.workshop.is_cancelled
    ]
    return Dashboard(
        cohort,
        rows["admitted"],
        rows["waitlisted"],
        upcoming[:5],
        cohort.week_of(now),
        meetings_on_holidays(cohort, now),
    )


def entities_without_place(cohort_id: int) -> list[Entity]:
    """The entities of the cohort's programme that hold no live place in it."""
    live = sa.select(CohortPlace.entity_id).where(
        CohortPlace.cohort_id == cohort_id, CohortPlace.state != PlaceState.left
    )
    programme = sa.select(Cohort.programme_id).where(Cohort.id == cohort_id).scalar_subquery()
    return list(
        db.session.scalars(
            sa.select(Entity)
            .where(Entity.id.not_in(live), Entity.programme_id == programme)
            .order_by(Entity.name)
        )
    )
