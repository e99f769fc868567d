"""Every way an itinerary, a cohort, an entity's place in it, a mentor or a check-in changes.

A cohort's places follow the same rules as a workshop's seats (shared/design.md): each change
runs in one transaction that serialises on the cohort's row (:func:`lms.db.begin_write`, then
``SELECT ... FOR UPDATE``); ``admitted_count <= capacity`` is a CHECK; a UNIQUE keeps one place
per entity and one arrival number per place; an entity that leaves frees its place for the
first entity waiting, in arrival order, in the same transaction. Locks are taken in one order:
cohort, then entity, then workshops (by ``courses.workshops.operations``).

The schedule is made of Workshops restricted to the cohort (``Audience.cohort``): cohort-wide
steps are laid out when the cohort is created; mentoring and check-in meetings, one per entity,
when the entity is admitted (its coming ones only). Members of admitted entities are enrolled
in the coming meetings through the workshop operations, so invitations and feeds follow. An
operation that touches many meetings at once runs ``batched()`` (lms.notifications): each
person hears of all of them in one message with one invitation, not one mail per meeting.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import begin_write, db, is_sqlite, utcnow
from lms.errors import Conflict, DomainError, NotFound, check_day, is_id, is_whole
from lms.notifications.operations import batched

from ..entities.models import MAX_MEMBERS, Diagnosis, Entity, Track
from ..entities.operations import lock_entity
from ..queue import Move, Queue
from ..signals import checkin_missing, checkin_recorded, cohort_place_changed, mentor_assigned
from ..workshops import operations as workshops
from ..workshops.models import Audience, Enrolment, EnrolmentState, Workshop, WorkshopStatus
from .layout import occurrences
from .models import (
    DEFAULT_COHORT_CAPACITY,
    MAX_COHORT_CAPACITY,
    CheckIn,
    CheckInReminder,
    Cohort,
    CohortMeeting,
    CohortPlace,
    Itinerary,
    ItineraryStep,
    PlaceState,
    ProgressStatus,
    StepKind,
)

MAX_STEPS = 60
MAX_WEEKS = 104
MAX_REPEATS = 104
#: The PostgreSQL advisory lock that serialises the reminders of missing check-ins.
CHECKIN_REMINDER_LOCK = 0x41756C62
_P = PlaceState


# Itineraries ------------------------------------------------------------------------------


def _int(data: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    value = data.get(name, default)
    if not is_whole(value, low, high):
        raise DomainError(
            _l(
                "The step field “%(name)s” must be a whole number from %(low)d to %(high)d.",
                name=name,
                low=low,
                high=high,
            ),
            code="invalid_step",
        )
    return value


def parse_step(data: Any, position: int) -> ItineraryStep:
    """One step from its JSON form (see the API contract), checked."""
    if not isinstance(data, dict):
        raise DomainError(_l("Each step must be an object."), code="invalid_step")
    kind = StepKind.parse(data.get("kind"), "kind", code="invalid_step")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DomainError(_l("Each step needs a title."), code="invalid_step")
    try:
        start = time.fromisoformat(data.get("start_time", ""))
        if len(data["start_time"]) != 5:
            raise ValueError
    except (TypeError, ValueError):
        raise DomainError(
            _l("The step start time must be a local time as HH:MM."), code="invalid_step"
        ) from None
    every = data.get("repeat_every_weeks")
    return ItineraryStep(
        position=position,
        kind=kind,
        title=title.strip()[:200],
        week=_int(data, "week", 1, MAX_WEEKS),
        weekday=_int(data, "weekday", 1, 7),
        start_time=start,
        duration_minutes=_int(data, "duration_minutes", 5, 720),
        repeat_every_weeks=1 if every is None else _int(data, "repeat_every_weeks", 1, MAX_WEEKS),
        repeat_count=_int(data, "repeat_count", 1, MAX_REPEATS, default=1)
        if data.get("repeat_count") is not None
        else 1,
    )


def _programme_id(programme_id: int | None) -> int:
    """The programme a new thing goes in: the one named, else the first (made if none)."""
    from lms.programmes.operations import default_programme

    return programme_id if programme_id is not None else default_programme().id


def create_itinerary(
    *,
    name: str,
    steps: list[Any],
    description: str = "",
    track: Track | str | None = None,
    programme_id: int | None = None,
) -> Itinerary:
    begin_write()
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    if not isinstance(steps, list) or not steps:
        raise DomainError(_l("An itinerary needs at least one step."), code="no_steps")
    if len(steps) > MAX_STEPS:
        raise DomainError(_l("An itinerary has at most %(n)d steps.", n=MAX_STEPS))
    if track is not None:
        track = Track.parse(track, "track")
    parsed = [parse_step(s, i + 1) for i, s in enumerate(steps)]
    if any(s.last_week > MAX_WEEKS for s in parsed):
        raise DomainError(_l("An itinerary lasts at most %(n)d weeks.", n=MAX_WEEKS))
    itinerary = Itinerary(
        name=name[:200],
        description=(description or "").strip(),
        track=track,
        steps=parsed,
        programme_id=_programme_id(programme_id),
    )
    db.session.add(itinerary)
    db.session.flush()
    return itinerary


# Cohorts and their schedule ---------------------------------------------------------------


def _moved(place: CohortPlace, previous: Any, move: Move) -> None:
    """Announce each change of a place; an admitted entity joins the schedule, a leaving one
    parts from it (its coming meetings cancelled, its people withdrawn)."""
    reason = "promoted" if move is Move.promoted else place.state.value
    cohort_place_changed.send(place, previous=previous, reason=reason)
    if place.state is _P.admitted:
        _join(place.cohort, place)
    elif previous is _P.admitted:
        _part(place.cohort, place)


#: A cohort's places: entities, in a queue owned by the cohort's row.
PLACES: Queue[Cohort, CohortPlace] = Queue(
    owner=Cohort,
    entry=CohortPlace,
    owner_key=CohortPlace.cohort_id,
    holder_key=CohortPlace.entity_id,
    holds=_P.admitted,
    waits=_P.waitlisted,
    held_count="admitted_count",
    missing=_l("There is no such cohort."),
    too_small=_l("%(n)d entities are already admitted; the capacity cannot go below that."),
    max_capacity=MAX_COHORT_CAPACITY,
    out_of_range=_l("A cohort takes from 1 to %(max)d entities."),
    moved=_moved,
)


def lock_cohort(cohort_id: int) -> Cohort:
    """The cohort, locked for the rest of the transaction (see :mod:`courses.queue`)."""
    return PLACES.lock(cohort_id)


def create_cohort(
    *,
    itinerary_id: int,
    name: str,
    starts_on: date,
    timezone: str,
    referent: User,
    capacity: int = DEFAULT_COHORT_CAPACITY,
) -> Cohort:
    """Open a cohort of the itinerary's programme and lay out its cohort-wide meetings (all of
    them, past ones included)."""
    begin_write()
    from lms.accounts.operations import check_timezone

    check_day(starts_on, "starts_on")
    itinerary = db.session.get(Itinerary, itinerary_id) if is_id(itinerary_id) else None
    if itinerary is None:
        raise NotFound(_l("There is no such itinerary."), code="no_itinerary")
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    if not referent.can_teach:
        raise DomainError(_l("The cohort's referent must be a trainer or a coordinator."))
    cohort = Cohort(
        itinerary=itinerary,
        name=name[:200],
        starts_on=starts_on,
        timezone=check_timezone(timezone),
        capacity=PLACES.valid_capacity(capacity),
        admitted_count=0,
        waitlist_count=0,
        last_arrival=0,
        referent=referent,
        programme_id=itinerary.programme_id,
    )
    db.session.add(cohort)
    db.session.flush()
    for step in itinerary.steps:
        if not step.kind.per_entity:
            _lay_out(cohort, step, None, trainer=referent, future_only=False)
    return cohort


def _lay_out(
    cohort: Cohort, step: ItineraryStep, entity: Entity | None, *, trainer: User, future_only: bool
) -> list[CohortMeeting]:
    now = utcnow()
    meetings = []
    for occ in occurrences(
        cohort.starts_on,
        cohort.zone,
        week=step.week,
        weekday=step.weekday,
        start_time=step.start_time,
        duration_minutes=step.duration_minutes,
        repeat_every_weeks=step.repeat_every_weeks,
        repeat_count=step.repeat_count,
    ):
        if future_only and occ.starts_at <= now:
            continue
        title = step.title if entity is None else f"{step.title} · {entity.name}"
        if step.repeat_count > 1:
            title = f"{title} ({occ.occurrence}/{step.repeat_count})"
        workshop = workshops.create_workshop(
            trainer=trainer,
            title=title[:200],
            description=f"{cohort.name} · {cohort.itinerary.name}",
            starts_at=occ.starts_at,
            ends_at=occ.ends_at,
            timezone=cohort.timezone,
            capacity=MAX_MEMBERS * (1 if entity else cohort.capacity),
            audience=Audience.cohort,
            cohort_id=cohort.id,
            programme_id=cohort.programme_id,
        )
        meeting = CohortMeeting(
            cohort_id=cohort.id,
            workshop=workshop,
            step=step,
            occurrence=occ.occurrence,
            week=occ.week,
            entity_id=entity.id if entity else None,
        )
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    return meetings


def _coming_meetings(cohort_id: int, *, entity_id: int | None) -> list[CohortMeeting]:
    """The cohort's meetings that have not started and are not cancelled: its cohort-wide
    ones (``entity_id=None``) or one entity's."""
    entity_clause = (
        CohortMeeting.entity_id.is_(None)
        if entity_id is None
        else CohortMeeting.entity_id == entity_id
    )
    return list(
        db.session.scalars(
            sa.select(CohortMeeting)
            .join(CohortMeeting.workshop)
            .where(
                CohortMeeting.cohort_id == cohort_id,
                entity_clause,
                Workshop.status == WorkshopStatus.scheduled,
                Workshop.starts_at > utcnow(),
            )
            .order_by(Workshop.id)
        )
    )


def _enrol(meetings: list[CohortMeeting], people: list[User]) -> None:
    if not people:
        return
    # Workshops are locked in id order, as every operation that locks several does.
    for workshop_id in sorted({m.workshop_id for m in meetings}):
        workshops.enrol_members(workshop_id, people)


def _withdraw(meetings: list[CohortMeeting], user_ids: set[int]) -> None:
    if not meetings or not user_ids:
        return
    live = db.session.execute(
        sa.select(Enrolment.workshop_id, Enrolment.user_id).where(
            Enrolment.workshop_id.in_([m.workshop_id for m in meetings]),
            Enrolment.user_id.in_(user_ids),
            Enrolment.state.in_([EnrolmentState.enrolled, EnrolmentState.waitlisted]),
        )
    ).all()
    for workshop_id, user_id in sorted(live):
        workshops.withdraw(workshop_id, user_id, removed=True)


def _admitted_member_ids(cohort_id: int, *, except_entity: int | None = None) -> set[int]:
    from ..entities.models import Membership

    query = (
        sa.select(Membership.user_id)
        .join(CohortPlace, CohortPlace.entity_id == Membership.entity_id)
        .where(CohortPlace.cohort_id == cohort_id, CohortPlace.state == _P.admitted)
    )
    if except_entity is not None:
        query = query.where(CohortPlace.entity_id != except_entity)
    return set(db.session.scalars(query))


def _meeting_trainer(cohort: Cohort, place: CohortPlace) -> User:
    return place.mentor or cohort.referent


def _join(cohort: Cohort, place: CohortPlace) -> None:
    """An admitted entity gets its own coming meetings, and its members every coming one."""
    entity = lock_entity(place.entity_id)
    own = []
    for step in cohort.itinerary.steps:
        if step.kind.per_entity:
            own += _lay_out(
                cohort, step, entity, trainer=_meeting_trainer(cohort, place), future_only=True
            )
    people = [m.user for m in entity.memberships]
    _enrol(_coming_meetings(cohort.id, entity_id=None) + own, people)


def _part(cohort: Cohort, place: CohortPlace) -> None:
    """A leaving entity's coming meetings are cancelled and its members withdrawn from the
    cohort's coming meetings (unless another admitted entity of theirs keeps them there)."""
    entity = lock_entity(place.entity_id)
    for meeting in _coming_meetings(cohort.id, entity_id=entity.id):
        workshops.cancel_workshop(meeting.workshop_id)
    staying = _admitted_member_ids(cohort.id, except_entity=entity.id)
    _withdraw(_coming_meetings(cohort.id, entity_id=None), entity.member_ids - staying)


@batched()
def admit_entity(cohort_id: int, entity_id: int) -> tuple[CohortPlace, bool]:
    """Admit an entity, or put it last on the cohort's waiting list when the cohort is full.
    Asking again while admitted or waiting returns the same place, unchanged."""
    cohort = lock_cohort(cohort_id)
    place = PLACES.entry_of(cohort, entity_id)
    if place is not None and place.is_live:
        return place, False
    entity = db.session.get(Entity, entity_id) if is_id(entity_id) else None
    if entity is None or entity.programme_id != cohort.programme_id:
        raise NotFound(_l("There is no such entity."))
    return PLACES.arrive(cohort, place or CohortPlace(cohort=cohort, entity_id=entity_id)), True


@batched()
def remove_entity(cohort_id: int, entity_id: int) -> CohortPlace:
    """An entity leaves the cohort (or its waiting list); the first entity waiting is
    admitted at once, its members enrolled in the coming meetings."""
    cohort = lock_cohort(cohort_id)
    place = PLACES.entry_of(cohort, entity_id)
    if place is None or not place.is_live:
        raise NotFound(_l("That entity has no place in this cohort."), code="not_placed")
    return PLACES.leave(cohort, place, _P.left)


@batched()
def change_capacity(cohort_id: int, capacity: Any) -> Cohort:
    """Take more (or fewer) entities; new places go to the entities waiting, at once."""
    cohort = lock_cohort(cohort_id)
    cohort.capacity = PLACES.check_capacity(cohort, capacity)
    db.session.flush()
    PLACES.fill(cohort)
    return cohort


@batched()
def assign_mentor(cohort_id: int, entity_id: int, mentor: User) -> CohortPlace:
    """Pair an entity with a mentor from outside it; the mentor takes over its coming
    mentoring and check-in meetings (announced as a change of those workshops)."""
    cohort = lock_cohort(cohort_id)
    place = PLACES.entry_of(cohort, entity_id)
    if place is None or not place.is_live:
        raise NotFound(_l("That entity has no place in this cohort."), code="not_placed")
    entity = lock_entity(entity_id)
    if mentor.id in entity.member_ids:
        raise DomainError(
            _l(
                "%(person)s belongs to %(entity)s: a mentor must come from another entity.",
                person=mentor.name,
                entity=entity.name,
            ),
            code="mentor_is_member",
        )
    return _hand_over(cohort, place, mentor)


@batched()
def unpair_mentor(cohort_id: int, entity_id: int) -> CohortPlace:
    """The entity has no mentor any more: its coming mentoring and check-in meetings go back
    to the cohort's referent (announced as a change of those workshops). Asking again while
    unpaired changes nothing."""
    cohort = lock_cohort(cohort_id)
    place = PLACES.entry_of(cohort, entity_id)
    if place is None or not place.is_live:
        raise NotFound(_l("That entity has no place in this cohort."), code="not_placed")
    return _hand_over(cohort, place, None)


def _hand_over(cohort: Cohort, place: CohortPlace, mentor: User | None) -> CohortPlace:
    """Make ``mentor`` (None: nobody) the entity's mentor; whoever leads its meetings now
    (:func:`_meeting_trainer`) takes over the coming ones. The cohort is locked."""
    previous = place.mentor
    if (previous.id if previous else None) == (mentor.id if mentor else None):
        return place
    place.mentor = mentor
    db.session.flush()
    leader = _meeting_trainer(cohort, place)
    for meeting in _coming_meetings(cohort.id, entity_id=place.entity_id):
        workshops.change_trainer(meeting.workshop_id, leader)
    mentor_assigned.send(place, previous=previous)
    return place


# Members joining or leaving an entity that has a place ---------------------------------


def _admitted_places_of(entity_id: int) -> list[CohortPlace]:
    return list(
        db.session.scalars(
            sa.select(CohortPlace)
            .where(CohortPlace.entity_id == entity_id, CohortPlace.state == _P.admitted)
            .order_by(CohortPlace.cohort_id)
        )
    )


@batched()
def member_joined(entity: Entity, user: User) -> None:
    """A new member of an admitted entity is enrolled in its cohorts' coming meetings; the
    entity's own mentor cannot become its member."""
    from .queries import is_mentor_of

    if is_mentor_of(entity.id, user):
        raise Conflict(
            _l(
                "%(person)s mentors this entity and cannot be one of its members.",
                person=user.name,
            ),
            code="mentor_is_member",
        )
    for place in _admitted_places_of(entity.id):
        meetings = _coming_meetings(place.cohort_id, entity_id=None)
        meetings += _coming_meetings(place.cohort_id, entity_id=entity.id)
        _enrol(meetings, [user])


@batched()
def member_left(entity: Entity, user_id: int) -> None:
    """A member who leaves an entity leaves its coming meetings (and the cohort-wide ones,
    unless another admitted entity of theirs keeps them there)."""
    for place in _admitted_places_of(entity.id):
        _withdraw(_coming_meetings(place.cohort_id, entity_id=entity.id), {user_id})
        if user_id not in _admitted_member_ids(place.cohort_id):
            _withdraw(_coming_meetings(place.cohort_id, entity_id=None), {user_id})


def suggest_itinerary(diagnosis: Diagnosis) -> None:
    """A diagnosis suggests the newest itinerary labelled for its track."""
    from .queries import itinerary_for_track

    itinerary = itinerary_for_track(diagnosis.track, diagnosis.entity.programme_id)
    diagnosis.suggested_itinerary_id = itinerary.id if itinerary else None
    db.session.flush()


# Weekly check-ins ---------------------------------------------------------------------------


def record_checkin(
    cohort_id: int,
    entity_id: int,
    *,
    week: Any,
    status: Any,
    notes: str = "",
    recorded_by: User | None = None,
) -> tuple[CheckIn, bool]:
    """Record an admitted entity's progress for one week. There is one check-in per entity
    and week: recording the same week again updates it. Returns it and whether it is new."""
    begin_write()
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_l("There is no such cohort."))
    weeks = cohort.itinerary.weeks
    if not is_whole(week, 1, weeks):
        raise DomainError(
            _l("The week must be a whole number from 1 to %(n)d.", n=weeks), code="invalid_week"
        )
    status = ProgressStatus.parse(status, "status")
    place = db.session.scalar(
        sa.select(CohortPlace)
        .where(CohortPlace.cohort_id == cohort_id, CohortPlace.entity_id == entity_id)
        .with_for_update(of=CohortPlace)
        .execution_options(populate_existing=True)
    )
    if place is None or place.state is not _P.admitted:
        raise Conflict(_l("Only an admitted entity has check-ins."), code="not_admitted")
    checkin = db.session.scalar(
        sa.select(CheckIn).where(
            CheckIn.cohort_id == cohort_id, CheckIn.entity_id == entity_id, CheckIn.week == week
        )
    )
    created = checkin is None
    if checkin is None:
        checkin = CheckIn(cohort_id=cohort_id, entity_id=entity_id, week=week)
        db.session.add(checkin)
    checkin.status = status
    checkin.notes = (notes or "").strip()[:5000]
    checkin.recorded_by = recorded_by
    db.session.flush()
    checkin_recorded.send(checkin, created=created)
    return checkin, created


def remind_missing_checkins(now: datetime | None = None) -> int:
    """Announce (``checkin_missing``) every missing check-in not announced yet; for a worker
    or ``flask cohorts remind``. Returns how many were announced. Safe with several workers:
    the writers are serialised (``BEGIN IMMEDIATE``, or an advisory lock on PostgreSQL) and
    a UNIQUE key backs them; the caller commits."""
    from .queries import unannounced_checkins

    begin_write()
    if not is_sqlite():  # two workers at once: the second waits, then sees what was sent
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHECKIN_REMINDER_LOCK)))
    sent = 0
    for place, week in unannounced_checkins(now=now):
        db.session.add(
            CheckInReminder(cohort_id=place.cohort_id, entity_id=place.entity_id, week=week)
        )
        db.session.flush()
        checkin_missing.send(place, week=week)
        sent += 1
    return sent
