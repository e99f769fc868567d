"""Factories for Aula's tests: each makes a committed row (or a small family of rows) through
the real operations, with defaults a test overrides only where it matters.

One factory per model, by the model it makes:

======================================  ======================================================
User                                    ``make_user`` (``programme=`` where a trainer or
                                        coordinator works; ``admin=True``)
Programme                               ``make_programme``
ApiToken                                ``api_token`` (the bearer headers)
Course, Workshop                        ``make_workshop``
Enrolment                               ``make_enrolment``
Entity, Membership                      ``make_entity``
Diagnosis                               ``make_diagnosis``
Itinerary, ItineraryStep                ``make_itinerary``
Cohort, CohortPlace, CohortMeeting      ``make_cohort`` (``entities=`` admits them)
CheckIn                                 ``make_checkin``
RoomJoin, AttendanceMark                ``make_held_workshop`` (then the attendance operations)
VideoRoom                               ``make_room``
CalendarToken                           ``make_calendar_token``
OutboxMessage, SentReminder,            made by the operations whose changes they report
CheckInReminder                         (and by the worker): tests read them, never forge them
======================================  ======================================================
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from lms.db import db, utcnow

PASSWORD = "correct horse battery"
ZONE = "Europe/Madrid"

#: A small bootcamp path: reference cases, a diagnosis, weekly check-ins, mentoring and a
#: mutual-aid meeting every four weeks.
STEPS = [
    {"kind": "workshop", "title": "Casos referents", "week": 1, "weekday": 2,
     "start_time": "10:00", "duration_minutes": 90},
    {"kind": "diagnosis", "title": "Diagnosi inicial", "week": 1, "weekday": 4,
     "start_time": "10:00", "duration_minutes": 60},
    {"kind": "check-in", "title": "Seguiment setmanal", "week": 1, "weekday": 5,
     "start_time": "09:30", "duration_minutes": 30, "repeat_every_weeks": 1, "repeat_count": 3},
    {"kind": "mentoring", "title": "Mentoria", "week": 2, "weekday": 3,
     "start_time": "17:00", "duration_minutes": 60},
    {"kind": "mutual-aid", "title": "Grup d'ajuda mútua", "week": 1, "weekday": 4,
     "start_time": "18:00", "duration_minutes": 90, "repeat_every_weeks": 4, "repeat_count": 2},
]  # fmt: skip


def next_monday(after: date | None = None) -> date:
    after = after or utcnow().date()
    return after + timedelta(days=7 - after.weekday())


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    """``make_user(role="trainer", name="Ana")``: a committed account."""
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user

    count = 0

    def make(
        role: str = "learner",
        *,
        email: str | None = None,
        name: str | None = None,
        locale: str = "",
        timezone: str = ZONE,
        password: str = PASSWORD,
        programme=None,
        admin: bool = False,
    ):
        """A trainer or coordinator is staff of ``programme`` (default: the first one)."""
        from lms.programmes import operations as programmes

        nonlocal count
        count += 1
        user = create_user(
            email or f"{role}{count}-{uuid.uuid4().hex[:6]}@aula.test",
            name or f"{role.title()} {count}",
            password,
            Role(role),
            locale=locale,
            timezone=timezone,
        )
        if role != "learner":
            where = programme.id if programme is not None else programmes.default_programme().id
            programmes.add_member(where, user, role)
        if admin:
            programmes.set_admin(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_programme(app) -> Callable[..., Any]:
    """``make_programme(name="Bootcamp ESS", locale="gl")``: a committed programme, made after
    the default one (where ``make_user`` and ``make_workshop`` put what names none), so that
    it is never taken for it, on a migrated SQLite file or an emptied PostgreSQL database."""
    from lms.programmes.operations import create_programme, default_programme

    count = 0

    def make(*, name: str | None = None, locale: str = "es", timezone: str = ZONE):
        nonlocal count
        count += 1
        default_programme()
        programme = create_programme(
            name or f"Programa {count}-{uuid.uuid4().hex[:4]}", locale=locale, timezone=timezone
        )
        db.session.commit()
        return programme

    return make


@pytest.fixture
def api_token(app) -> Callable[[Any], dict[str, str]]:
    """``api_token(user)``: headers carrying a fresh bearer token for ``user``."""
    from lms.accounts.operations import issue_token

    def make(user) -> dict[str, str]:
        token = issue_token(db.session.merge(user))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def make_workshop(app, make_user) -> Callable[..., Any]:
    """``make_workshop(capacity=2)``: a committed public workshop a week from now."""
    from courses.workshops import operations

    def make(
        *,
        capacity: int = 10,
        trainer=None,
        title: str = "Cómo mejorar el footer de tu web",
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        timezone: str = ZONE,
        topic: str = "Web",
        **extra: Any,
    ):
        starts_at = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
        workshop = operations.create_workshop(
            trainer=trainer or make_user("trainer"),
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            timezone=timezone,
            capacity=capacity,
            topic=topic,
            **extra,
        )
        db.session.commit()
        return workshop

    return make


@pytest.fixture
def make_enrolment(make_workshop, make_user) -> Callable[..., Any]:
    """``make_enrolment(workshop, person)``: a place taken through the queue (a seat, or a
    waiting place when the workshop is full); both default to new ones."""
    from courses.workshops import operations

    def make(workshop=None, person=None):
        workshop = workshop or make_workshop()
        person = db.session.merge(person or make_user())
        enrolment, _ = operations.enrol(workshop.id, person)
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def make_entity(make_user) -> Callable[..., Any]:
    """``make_entity(members=2)``: a cooperative whose first member is its referent."""
    from courses.entities import operations

    count = 0

    def make(*, name: str | None = None, members: int | list = 2, kind: str = "cooperative"):
        nonlocal count
        count += 1
        name = name or f"Coop {count}-{uuid.uuid4().hex[:4]}"
        entity = operations.create_entity(name=name, kind=kind)
        people = members if isinstance(members, list) else [
            make_user(name=f"{name} person {m + 1}") for m in range(members)
        ]  # fmt: skip
        for m, person in enumerate(people):
            operations.add_member(
                entity.id, db.session.merge(person), "referent" if m == 0 else "member"
            )
        db.session.commit()
        return entity

    return make


@pytest.fixture
def make_diagnosis(make_entity) -> Callable[..., Any]:
    """``make_diagnosis(entity, readiness=2, market=2, capacity=2)``."""
    from courses.entities import operations

    def make(entity=None, *, readiness: int = 2, market: int = 2, capacity: int = 2):
        entity = entity or make_entity()
        diagnosis = operations.record_diagnosis(
            entity.id, readiness=readiness, market=market, capacity=capacity
        )
        db.session.commit()
        return diagnosis

    return make


@pytest.fixture
def make_itinerary(app) -> Callable[..., Any]:
    """``make_itinerary(steps=STEPS)``: a committed itinerary."""
    from courses.cohorts import operations

    def make(*, name: str = "Itinerari ESS", steps: list | None = None):
        itinerary = operations.create_itinerary(name=name, steps=steps or STEPS)
        db.session.commit()
        return itinerary

    return make


@pytest.fixture
def make_cohort(make_itinerary, make_user) -> Callable[..., Any]:
    """``make_cohort(entities=[...])``: a cohort of an itinerary starting next Monday, its
    meetings laid out, with the given entities admitted in order."""
    from courses.cohorts import operations

    def make(
        *,
        itinerary=None,
        name: str = "Cohort tardor",
        starts_on: date | None = None,
        timezone: str = ZONE,
        referent=None,
        capacity: int = 10,
        entities: list = (),  # type: ignore[assignment]
        steps: list | None = None,
    ):
        itinerary = itinerary or make_itinerary(steps=steps)
        cohort = operations.create_cohort(
            itinerary_id=itinerary.id,
            name=name,
            starts_on=starts_on or next_monday(),
            timezone=timezone,
            referent=db.session.merge(referent or make_user("coordinator")),
            capacity=capacity,
        )
        for entity in entities:
            operations.admit_entity(cohort.id, entity.id)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_checkin(app) -> Callable[..., Any]:
    """``make_checkin(cohort, entity, week=1)``: an admitted entity's check-in."""
    from courses.cohorts import operations

    def make(cohort, entity, *, week: int = 1, status: str = "on_track", notes: str = ""):
        checkin, _ = operations.record_checkin(
            cohort.id, entity.id, week=week, status=status, notes=notes
        )
        db.session.commit()
        return checkin

    return make


@pytest.fixture
def make_held_workshop(make_workshop, make_user) -> Callable[..., Any]:
    """``make_held_workshop(seated=3, waiting=1, starts_at=...)``: a workshop that has started.

    People enrol while it is still ahead (through the real operations), then it is moved to
    its past date: ``(workshop, seated_people, waiting_people)``.
    """
    from courses.workshops import operations

    def make(
        *,
        seated: int | list = 3,
        waiting: int = 0,
        capacity: int | None = None,
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        **extra: Any,
    ):
        people = seated if isinstance(seated, list) else [make_user() for _ in range(seated)]
        waiters = [make_user() for _ in range(waiting)]
        workshop = make_workshop(capacity=capacity or len(people) or 1, **extra)
        for person in [*people, *waiters]:
            operations.enrol(workshop.id, person)
        starts_at = starts_at or (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
        operations.update_workshop(workshop.id, starts_at=starts_at, ends_at=starts_at + duration)
        db.session.commit()
        return workshop, people, waiters

    return make


@pytest.fixture
def make_room(make_workshop) -> Callable[..., Any]:
    """``make_room(workshop)``: the workshop's video room (the configured provider's)."""
    from scheduler.video import operations

    def make(workshop=None):
        room = operations.ensure_room(db.session.merge(workshop or make_workshop()))
        db.session.commit()
        return room

    return make


@pytest.fixture
def make_calendar_token(make_user) -> Callable[..., str]:
    """``make_calendar_token(user)``: a personal feed token (only its hash is stored)."""
    from scheduler.feeds.operations import replace_token

    def make(user=None) -> str:
        token = replace_token(db.session.merge(user or make_user()))
        db.session.commit()
        return token

    return make
