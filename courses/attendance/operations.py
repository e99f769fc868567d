"""Every way attendance changes. Nothing else writes ``Enrolment.attendance`` or its marks.

Rules:
- only people holding a seat (state ``enrolled``) get attendance;
- nothing is marked before the workshop starts, nor in a cancelled workshop;
- a person who entered the room through ``/join`` after the start is pre-filled ``present``
  (source ``room``) at once; one who entered before is shown pre-filled on the sheet, which
  writes nothing when read (state changes only on POST), and marked when the sheet is saved.
  Pre-filling is idempotent and never overwrites a mark already there;
- the trainer's (or a coordinator's) mark always wins, and saving confirms a room mark.

Marks are written under the workshop's lock (:func:`lock_workshop`), so they never race a
withdrawal; pre-filling writes with a conditional ``UPDATE ... WHERE attendance IS NULL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from courses.workshops import permissions as workshop_permissions
from courses.workshops.models import Attendance, Enrolment, EnrolmentState, Workshop
from courses.workshops.operations import lock_workshop
from lms.accounts.models import User
from lms.db import begin_write, db, rows_changed, utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound

from . import queries
from .models import AttendanceMark, AttendanceSource, RoomJoin


def check_open(workshop: Workshop, now: datetime | None = None) -> None:
    """Attendance can be taken once a workshop has started, unless it was cancelled."""
    if workshop.is_cancelled:
        raise Conflict(_l("This workshop has been cancelled."), code="cancelled")
    if not workshop.has_started(now):
        raise Conflict(
            _l("Attendance can be taken once the workshop has started."), code="not_started"
        )


def _check_manager(workshop: Workshop, by: User) -> None:
    if not workshop_permissions.may_manage(by, workshop):
        raise Forbidden(_l("Only the workshop's trainer or a coordinator can take attendance."))


def _seats(workshop: Workshop, user_ids: list[int] | None = None) -> dict[int, Enrolment]:
    """The enrolled people's enrolments, locked, by user id."""
    query = (
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.enrolled)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user_ids is not None:
        query = query.where(Enrolment.user_id.in_(user_ids))
    return {e.user_id: e for e in db.session.scalars(query)}


def _marks(enrolments: list[Enrolment]) -> dict[int, AttendanceMark]:
    ids = [e.id for e in enrolments]
    if not ids:
        return {}
    query = (
        sa.select(AttendanceMark)
        .where(AttendanceMark.enrolment_id.in_(ids))
        .execution_options(populate_existing=True)
    )
    return {m.enrolment_id: m for m in db.session.scalars(query)}


def _write(
    enrolment: Enrolment,
    mark: AttendanceMark | None,
    status: Attendance,
    by: User,
    now: datetime,
) -> AttendanceMark:
    if mark is None:
        mark = AttendanceMark(enrolment_id=enrolment.id)
        db.session.add(mark)
    enrolment.attendance = status
    mark.source = AttendanceSource.trainer
    mark.marked_by_id = by.id
    mark.marked_at = now
    return mark


def _not_enrolled(user_id: int) -> DomainError:
    if db.session.get(User, user_id) is None:
        return NotFound(_l("There is no such person."), code="unknown_person")
    return Conflict(
        _l("This person holds no seat in this workshop: only enrolled people get attendance."),
        code="not_enrolled",
    )


def mark(
    workshop_id: int, user_id: int, status: Attendance, *, by: User, now: datetime | None = None
) -> Enrolment:
    """Set one person's attendance as the trainer (or a coordinator) sees it."""
    return mark_many(workshop_id, {user_id: status}, by=by, now=now)[user_id]


def mark_many(
    workshop_id: int,
    statuses: Mapping[int, Attendance],
    *,
    by: User,
    now: datetime | None = None,
) -> dict[int, Enrolment]:
    """Set several people's attendance at once (the sheet's "Save"); all or nothing.

    A person whose status is unchanged but was only pre-filled from the room is confirmed
    (the source becomes the trainer); a mark already confirmed and unchanged is left as it is.
    """
    now = now or utcnow()
    workshop = lock_workshop(workshop_id)
    _check_manager(workshop, by)
    check_open(workshop, now)
    seats = _seats(workshop, list(statuses))
    for user_id in statuses:
        if user_id not in seats:
            raise _not_enrolled(user_id)
    marks = _marks(list(seats.values()))
    for user_id, status in statuses.items():
        enrolment, mark_ = seats[user_id], marks.get(seats[user_id].id)
        kept = mark_ is not None and mark_.source is AttendanceSource.trainer
        if kept and enrolment.attendance is status:
            continue
        _write(enrolment, mark_, status, by, now)
    db.session.flush()
    return seats


def mark_all_present(workshop_id: int, *, by: User, now: datetime | None = None) -> int:
    """Everyone holding a seat whom no person has marked yet becomes present.

    Marks the trainer already set are kept; room marks are confirmed. Returns how many changed.
    """
    now = now or utcnow()
    workshop = lock_workshop(workshop_id)
    _check_manager(workshop, by)
    check_open(workshop, now)
    seats = list(_seats(workshop).values())
    marks = _marks(seats)
    changed = 0
    for enrolment in seats:
        mark_ = marks.get(enrolment.id)
        if mark_ is not None and mark_.source is AttendanceSource.trainer:
            continue
        _write(enrolment, mark_, Attendance.present, by, now)
        changed += 1
    db.session.flush()
    return changed


def prefill_from_joins(
    workshop_id: int, *, user_id: int | None = None, now: datetime | None = None
) -> int:
    """Mark present (from the room) the enrolled people who joined and have no mark yet.

    Does nothing before the start or in a cancelled workshop; safe to call any number of
    times; never overwrites a mark. Returns how many were pre-filled.
    """
    now = now or utcnow()
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.is_cancelled or not workshop.has_started(now):
        return 0
    candidates = queries.unmarked_joiners_query(workshop, user_id)
    if not db.session.execute(candidates.limit(1)).first():
        return 0  # the common case on a sheet already filled: no write transaction
    begin_write()
    filled = 0
    for enrolment_id in db.session.scalars(candidates).all():
        changed = rows_changed(
            sa.update(Enrolment)
            .where(Enrolment.id == enrolment_id, Enrolment.attendance.is_(None))
            .values(attendance=Attendance.present)
        )
        if changed == 1:
            db.session.add(
                AttendanceMark(
                    enrolment_id=enrolment_id, source=AttendanceSource.room, marked_at=now
                )
            )
            filled += 1
    db.session.flush()
    return filled


def record_join(workshop_id: int, user_id: int, at: datetime | None = None) -> RoomJoin:
    """Note that a person entered the workshop's room (the video rooms call this).

    A join once the workshop has started pre-fills the person's attendance at once.
    """
    join = RoomJoin(workshop_id=workshop_id, user_id=user_id, joined_at=at or utcnow())
    db.session.add(join)
    db.session.flush()
    prefill_from_joins(workshop_id, user_id=user_id, now=max(join.joined_at, utcnow()))
    return join
