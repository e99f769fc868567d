"""Every way a workshop or a seat changes. Nothing else in Aula writes these tables.

A workshop's seats are a :class:`courses.queue.Queue` (:data:`SEATS`): taken, waited for,
freed and given out of turn under the workshop's row lock, by the one rule that cohort places
follow too. This module adds what is a workshop's own: who may enrol when, its details and
times, cancellation, and another date for its waiting list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.accounts.permissions import require_confirmed
from lms.db import begin_write, db, utcnow
from lms.errors import Conflict, DomainError, NotFound, check_moment

from ..queue import Move, Queue
from ..signals import (
    another_date_offered,
    enrolment_changed,
    workshop_cancelled,
    workshop_changed,
    workshop_created,
)
from .models import (
    DEFAULT_CAPACITY,
    Audience,
    Course,
    Enrolment,
    EnrolmentChange,
    EnrolmentState,
    Workshop,
    WorkshopStatus,
)
from .queries import roster

MAX_CAPACITY = 1000
_E = EnrolmentState


def _moved(enrolment: Enrolment, previous: Any, move: Move) -> None:
    """Bookkeeping of the workshop's own and the announcement, after each change of a seat."""
    enrolment.revision = (enrolment.revision or 0) + (previous is not None)
    reason = (
        EnrolmentChange.promoted
        if move is Move.promoted
        else EnrolmentChange(enrolment.state.value)
    )
    enrolment_changed.send(enrolment, previous=previous, reason=reason)


#: A workshop's seats: people, in a queue owned by the workshop's row.
SEATS: Queue[Workshop, Enrolment] = Queue(
    owner=Workshop,
    entry=Enrolment,
    owner_key=Enrolment.workshop_id,
    holder_key=Enrolment.user_id,
    holds=_E.enrolled,
    waits=_E.waitlisted,
    held_count="enrolled_count",
    missing=_l("There is no such workshop."),
    too_small=_l("%(n)d people already hold a seat; the capacity cannot go below that."),
    max_capacity=MAX_CAPACITY,
    out_of_range=_l("The capacity must be a whole number from 1 to %(max)d."),
    moved=_moved,
    is_closed=lambda workshop: workshop.is_cancelled,
)


def lock_workshop(workshop_id: int) -> Workshop:
    """The workshop, locked for the rest of the transaction (see :mod:`courses.queue`)."""
    return SEATS.lock(workshop_id)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise DomainError(_l("Times must carry a time zone."))
    check_moment(starts_at, "starts_at")
    check_moment(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise DomainError(_l("The workshop must end after it starts."), code="invalid_times")


def _programme_id(programme_id: int | None) -> int:
    """The programme a new thing goes in: the one named, else the first (made if none)."""
    from lms.programmes.operations import default_programme

    return programme_id if programme_id is not None else default_programme().id


def topic_as_kept(programme_id: int, topic: str) -> str:
    """A topic as a workshop keeps it: one line of at most 60 characters with its spaces
    collapsed, spelt as the programme already spells it when only the case differs (a planner
    who types "marketing  digital" joins "Marketing digital" rather than making a new topic)."""
    from .queries import topics_in

    topic = " ".join(topic.split())[:60]
    if not topic:
        return ""
    key = topic.casefold()
    return next((t for t in topics_in([programme_id]) if t.casefold() == key), topic)


def create_workshop(
    *,
    trainer: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    description: str = "",
    topic: str = "",
    capacity: int = DEFAULT_CAPACITY,
    course: Course | None = None,
    audience: Audience = Audience.public,
    cohort_id: int | None = None,
    programme_id: int | None = None,
) -> Workshop:
    """A new workshop in ``programme_id`` (see :func:`_programme_id`)."""
    begin_write()
    from lms.accounts.operations import check_timezone

    if not trainer.can_teach:
        raise DomainError(_l("Only a trainer or a coordinator can run a workshop."))
    title = title.strip()
    if not title:
        raise DomainError(_l("Please give a title."), code="missing")
    _check_times(starts_at, ends_at)
    programme_id = _programme_id(programme_id)
    workshop = Workshop(
        trainer=trainer,
        title=title[:200],
        description=_clean(description),
        topic=topic_as_kept(programme_id, topic),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=check_timezone(timezone),
        capacity=SEATS.valid_capacity(capacity),
        course=course,
        audience=audience,
        cohort_id=cohort_id,
        programme_id=programme_id,
        enrolled_count=0,
        waitlist_count=0,
        last_arrival=0,
        sequence=0,
    )
    db.session.add(workshop)
    db.session.flush()
    workshop_created.send(workshop)
    return workshop


RESCHEDULING_FIELDS = frozenset({"starts_at", "ends_at", "timezone"})
EDITABLE_FIELDS = frozenset({"title", "description", "topic", "capacity"}) | RESCHEDULING_FIELDS


def _clean(value: Any) -> Any:
    """Text as it is kept: trimmed, with the browser's CRLF line ends made LF, so that saving
    a form unchanged compares equal and tells nobody anything."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def update_workshop(workshop_id: int, **changes: Any) -> Workshop:
    """Change details, times or capacity. Raising the capacity fills the new seats at once;
    lowering it below the number enrolled is refused. A cancelled workshop's details and times
    can still be put right (a title with a typo, a date nobody can store in a calendar), but
    not its seats, and nobody is told: they were told it is off."""
    changes = {name: _clean(value) for name, value in changes.items()}
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(_l("These fields cannot be changed: %(f)s", f=", ".join(sorted(unknown))))
    workshop = lock_workshop(workshop_id)
    cancelled = workshop.is_cancelled
    if cancelled and "capacity" in changes:
        raise Conflict(_l("The seats of a cancelled workshop cannot be changed."), code="cancelled")
    if "capacity" in changes and not cancelled:
        SEATS.check_capacity(workshop, changes["capacity"])
    if "timezone" in changes:
        from lms.accounts.operations import check_timezone

        check_timezone(changes["timezone"])
    if "title" in changes and not str(changes["title"]).strip():
        raise DomainError(_l("Please give a title."), code="missing")
    if "topic" in changes and changes["topic"] != workshop.topic:
        changes["topic"] = topic_as_kept(workshop.programme_id, changes["topic"] or "")
    _check_times(
        changes.get("starts_at", workshop.starts_at), changes.get("ends_at", workshop.ends_at)
    )

    diff = {k: (getattr(workshop, k), v) for k, v in changes.items() if getattr(workshop, k) != v}
    if not diff:
        return workshop
    for name, (_old, new) in diff.items():
        setattr(workshop, name, new)
    rescheduled = bool(RESCHEDULING_FIELDS & diff.keys())
    if rescheduled or {"title", "description"} & diff.keys():
        _calendar_changed(workshop)
    db.session.flush()
    if cancelled:  # its details can still be put right; everyone was told it is off
        return workshop
    workshop_changed.send(workshop, changes=diff, rescheduled=rescheduled)
    SEATS.fill(workshop)
    return workshop


def _calendar_changed(workshop: Workshop) -> None:
    """Calendars must follow this change: raise SEQUENCE and note when it happened."""
    workshop.sequence += 1
    workshop.calendar_changed_at = utcnow()


def cancel_workshop(workshop_id: int) -> Workshop:
    """Cancel; everyone enrolled or waiting is told through ``workshop_cancelled``."""
    workshop = lock_workshop(workshop_id)
    if workshop.is_cancelled:
        return workshop
    people = roster(workshop.id)  # with their users, for the notices
    live = people.enrolled + people.waitlist
    workshop.status = WorkshopStatus.cancelled
    _calendar_changed(workshop)
    db.session.flush()
    workshop_cancelled.send(workshop, enrolments=live)
    return workshop


def enrol(workshop_id: int, user: User) -> tuple[Enrolment, bool]:
    """Take a seat, or a place at the end of the waiting list when the workshop is full.

    Returns the enrolment and whether anything changed: asking again while enrolled or waiting
    returns the same enrolment, unchanged. An address not yet confirmed gets a 403: the
    enrolment would mail someone who may not have asked for it.
    """
    require_confirmed(user)
    return _enrol(workshop_id, user)


def _enrol(
    workshop_id: int, user: User, *, check_audience: bool = True, check_open: bool = True
) -> tuple[Enrolment, bool]:
    workshop = lock_workshop(workshop_id)
    enrolment = SEATS.entry_of(workshop, user.id)
    if enrolment is not None and enrolment.is_live:
        return enrolment, False
    if check_open and workshop.is_cancelled:
        raise Conflict(_l("This workshop has been cancelled."), code="cancelled")
    if check_open and workshop.has_started():
        raise Conflict(_l("This workshop has already started."), code="started")
    if check_audience and workshop.audience is not Audience.public:
        raise Conflict(_l("This workshop is open only to its cohort."), code="restricted")
    return _arrive(workshop, user, enrolment), True


def enrol_member(workshop_id: int, user: User) -> tuple[Enrolment, bool]:
    """:func:`enrol` for a restricted workshop: a cohort enrols its entities' members in its
    own meetings. Only the audience is not checked, so callers (``courses.cohorts``) decide
    who belongs. Remove with ``withdraw(removed=True)``."""
    return _enrol(workshop_id, user, check_audience=False)


def enrol_members(workshop_id: int, people: list[User]) -> list[Enrolment]:
    """:func:`enrol_member` for several people: the workshop is locked once and their
    places are read in one query. Returns the enrolments that changed."""
    workshop = lock_workshop(workshop_id)
    if workshop.is_cancelled or workshop.has_started():
        return []  # a cohort enrols its members in meetings still to come
    ids = [person.id for person in people]
    existing = {
        e.user_id: e
        for e in db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.workshop_id == workshop.id, Enrolment.user_id.in_(ids)
            )
        )
    }
    changed = []
    for person in people:
        enrolment = existing.get(person.id)
        if enrolment is None or not enrolment.is_live:
            changed.append(_arrive(workshop, person, enrolment))
    return changed


def enrol_for_demo(workshop_id: int, user: User) -> Enrolment:
    """DEMO ONLY (courses/demo.py lays out past weeks with it): :func:`enrol` without the
    refusals, so that a workshop that has already started can be given its people."""
    return _enrol(workshop_id, user, check_audience=False, check_open=False)[0]


def _arrive(workshop: Workshop, user: User, enrolment: Enrolment | None) -> Enrolment:
    """Seat ``user`` if a seat is free, else queue them last. The workshop must be locked."""
    if enrolment is None:
        enrolment = Enrolment(workshop=workshop, user=user, revision=0)
    return SEATS.arrive(workshop, enrolment)


def change_trainer(workshop_id: int, trainer: User) -> Workshop:
    """Hand a workshop to another person (a cohort's mentor takes over its entity's meetings).

    Calendars must follow (the organiser changed): ``sequence`` is raised and
    ``workshop_changed`` is sent with ``changes={"trainer_id": (old, new)}``.
    """
    workshop = lock_workshop(workshop_id)
    if workshop.trainer_id == trainer.id:
        return workshop
    old = workshop.trainer_id
    workshop.trainer = trainer
    _calendar_changed(workshop)
    db.session.flush()
    workshop_changed.send(workshop, changes={"trainer_id": (old, trainer.id)}, rescheduled=False)
    return workshop


def withdraw(workshop_id: int, user_id: int, *, removed: bool = False) -> Enrolment:
    """Leave a workshop or its waiting list; a freed seat goes to the first person waiting.

    ``removed`` marks that the trainer or a coordinator took the person off.
    """
    workshop = lock_workshop(workshop_id)
    enrolment = SEATS.entry_of(workshop, user_id)
    if enrolment is None or not enrolment.is_live:
        raise NotFound(_l("There is no enrolment to withdraw."), code="not_enrolled")
    return SEATS.leave(workshop, enrolment, _E.removed if removed else _E.withdrawn)


def give_seat(workshop_id: int, user_id: int) -> Enrolment:
    """Seat one waiting person now, out of turn, adding a seat for them when the workshop is
    full (never by overbooking). For the trainer or coordinator who must make an exception."""
    workshop = lock_workshop(workshop_id)
    if workshop.is_cancelled:
        raise Conflict(_l("This workshop has been cancelled."), code="cancelled")
    enrolment = SEATS.entry_of(workshop, user_id)
    if enrolment is None:
        raise Conflict(_l("That person is not on the waiting list."), code="not_waiting")

    def seat_added(old: int) -> None:
        workshop_changed.send(
            workshop, changes={"capacity": (old, workshop.capacity)}, rescheduled=False
        )

    return SEATS.give_place(workshop, enrolment, seat_added)


def open_another_date(
    workshop_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None = None,
) -> Workshop:
    """Copy a workshop to new times and offer the new date to its waiting list, in order.

    Both dates join one Course (made from the first when it has none). The people waiting hear
    of it through ``another_date_offered``; each may take it with :func:`take_another_date`.
    """
    original = lock_workshop(workshop_id)
    if original.is_cancelled:
        raise Conflict(_l("A cancelled workshop cannot be changed."), code="cancelled")
    if original.audience is not Audience.public:
        raise Conflict(
            _l("Another date is for a public workshop's waiting list: move this meeting instead."),
            code="not_public",
        )
    if original.course is None:
        original.course = Course(
            title=original.title, topic=original.topic, description=original.description
        )
    new = create_workshop(
        trainer=original.trainer,
        title=original.title,
        description=original.description,
        topic=original.topic,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=original.timezone,
        capacity=original.capacity if capacity is None else capacity,
        course=original.course,
        programme_id=original.programme_id,
    )
    new.offered_from = original
    db.session.flush()
    another_date_offered.send(new, original=original, enrolments=roster(original.id).waitlist)
    return new


def take_another_date(workshop_id: int, user: User) -> Enrolment:
    """A person waiting for a workshop takes the other date offered to its waiting list: a seat
    there (or a place at the end of its waiting list), and they leave the first list, at once.

    Taking it again returns the same enrolment.
    """
    offered = db.session.get(Workshop, workshop_id)
    if offered is None or offered.offered_from_id is None:
        raise NotFound(_l("There is no such offer."), code="no_offer")
    offered_id, first_id = offered.id, offered.offered_from_id
    locked = SEATS.lock_in_order(offered_id, first_id)
    offered, original = locked[offered_id], locked[first_id]
    mine = SEATS.entry_of(offered, user.id)
    if mine is not None and mine.is_live:
        return mine
    waiting = SEATS.entry_of(original, user.id)
    if waiting is None or waiting.state is not _E.waitlisted:
        raise Conflict(_l("This date is offered to the waiting list only."), code="not_waiting")
    if not offered.is_open_for_enrolment():
        raise Conflict(_l("This date no longer takes enrolments."), code="closed")
    mine = _arrive(offered, user, mine)
    SEATS.leave(original, waiting, _E.withdrawn)
    return mine


def move_to_date(from_id: int, to_id: int, user: User) -> Enrolment:
    """Move a person from one workshop to another date of it (a coordinator does it for
    someone who phoned in): both workshops are locked in order, the person takes a seat in
    the other date (or the end of its waiting list) by the queue's rule, then gives up their
    place in the first, whose freed seat goes to the first waiting. Already there: unchanged.
    """
    if from_id == to_id:
        raise Conflict(_l("That is the same workshop."), code="same_workshop")
    locked = SEATS.lock_in_order(from_id, to_id)
    first, other = locked[from_id], locked[to_id]
    here = SEATS.entry_of(first, user.id)
    if here is None or not here.is_live:
        raise NotFound(_l("There is no enrolment to move."), code="not_enrolled")
    if not other.is_another_date_of(first):
        raise Conflict(
            _l("The other date must be a workshop of the same topic."), code="other_topic"
        )
    if not other.is_open_for_enrolment() or other.audience is not Audience.public:
        raise Conflict(_l("This date no longer takes enrolments."), code="closed")
    there = SEATS.entry_of(other, user.id)
    if there is None or not there.is_live:
        there = _arrive(other, user, there)
    SEATS.leave(first, here, _E.withdrawn)
    return there


def on_account_closing(user: User, **_: Any) -> None:
    """A closing account gives up its public places still to come, each as a withdrawal (the
    first waiting takes the seat). Cohort meetings go with the entity, consultations with the
    advice desk; past seats stay, for the figures."""
    workshop_ids = db.session.scalars(
        sa.select(Enrolment.workshop_id)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.state.in_([_E.enrolled, _E.waitlisted]),
            Workshop.audience == Audience.public,
            Workshop.starts_at > utcnow(),
        )
        .order_by(Enrolment.workshop_id)
    ).all()
    for workshop_id in workshop_ids:
        withdraw(workshop_id, user.id)
