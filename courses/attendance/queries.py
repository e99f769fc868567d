"""Reads about attendance: a workshop's sheet, a person's history, a trainer's workshops,
and the rows of the CSV exports. One query each, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from courses.entities.models import Entity, Membership
from courses.workshops.models import (
    ATTENDED,
    Attendance,
    Enrolment,
    EnrolmentState,
    Workshop,
    WorkshopStatus,
)
from lms.accounts.models import User
from lms.db import db, utcnow

from .models import AttendanceMark, RoomJoin

_ENROLLED = Enrolment.state == EnrolmentState.enrolled

#: A join counts from this long before the start (rooms open early) until the end.
JOIN_WINDOW_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class Line:
    """One person on a sheet or in a history: their seat, their mark (if any)."""

    enrolment: Enrolment
    mark: AttendanceMark | None

    @property
    def status(self) -> Attendance | None:
        return self.enrolment.attendance

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


def _lines(query: sa.Select) -> list[Line]:
    return [Line(e, m) for e, m in db.session.execute(query).unique()]


def sheet(workshop_id: int) -> list[Line]:
    """Everyone holding a seat, by name, with their mark."""
    query = (
        sa.select(Enrolment, AttendanceMark)
        .join(Enrolment.user)
        .outerjoin(AttendanceMark, AttendanceMark.enrolment_id == Enrolment.id)
        .options(contains_eager(Enrolment.user), joinedload(AttendanceMark.marked_by))
        .where(Enrolment.workshop_id == workshop_id, _ENROLLED)
        .order_by(sa.func.lower(User.name), User.id)
    )
    return _lines(query)


def history_of(user_id: int, now: datetime | None = None) -> list[Line]:
    """A person's seats in workshops that have started, latest first."""
    query = (
        sa.select(Enrolment, AttendanceMark)
        .join(Enrolment.workshop)
        .outerjoin(AttendanceMark, AttendanceMark.enrolment_id == Enrolment.id)
        .options(contains_eager(Enrolment.workshop))
        .where(Enrolment.user_id == user_id, _ENROLLED, Workshop.starts_at <= (now or utcnow()))
        .order_by(Workshop.starts_at.desc())
    )
    return _lines(query)


def unmarked_joiners_query(workshop: Workshop, user_id: int | None = None) -> sa.Select:
    """The enrolments (ids) of people holding a seat, with no mark, who entered the room."""
    joined = sa.exists().where(
        RoomJoin.workshop_id == workshop.id,
        RoomJoin.user_id == Enrolment.user_id,
        RoomJoin.joined_at >= workshop.starts_at - JOIN_WINDOW_BEFORE,
        RoomJoin.joined_at <= workshop.ends_at,
    )
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id,
        _ENROLLED,
        Enrolment.attendance.is_(None),
        joined,
    )
    if user_id is not None:
        query = query.where(Enrolment.user_id == user_id)
    return query.order_by(Enrolment.id)


def unmarked_joiners(workshop: Workshop) -> set[int]:
    """The user ids of :func:`unmarked_joiners_query`: whom the sheet shows pre-filled."""
    ids = unmarked_joiners_query(workshop).with_only_columns(Enrolment.user_id)
    return set(db.session.scalars(ids))


def seat_of(workshop_id: int, user_id: int) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id, _ENROLLED
        )
    )


@dataclass(frozen=True)
class WorkshopTally:
    """A workshop with the count of its seats by attendance status."""

    workshop: Workshop
    enrolled: int
    counts: dict[str, int]

    @property
    def unmarked(self) -> int:
        return self.enrolled - sum(self.counts.values())


def status_counts(*where: sa.ColumnElement[bool]) -> sa.Subquery:
    """Per workshop: seats taken, and seats by attendance status (a subquery to join). With
    conditions on Workshop, only the enrolments of those workshops are grouped, not the
    whole table (a province's 300,000 enrolments for a trainer's 25 workshops)."""
    query = sa.select(
        Enrolment.workshop_id,
        sa.func.count(Enrolment.id).label("enrolled"),
        *(
            sa.func.count(Enrolment.id).filter(Enrolment.attendance == s).label(s.value)
            for s in Attendance
        ),
    ).where(_ENROLLED)
    if where:
        query = query.where(Enrolment.workshop_id.in_(sa.select(Workshop.id).where(*where)))
    return query.group_by(Enrolment.workshop_id).subquery()


def with_counts(*where: sa.ColumnElement[bool]) -> tuple[sa.Select, list[str]]:
    """``SELECT Workshop, enrolled, present, late, absent, excused`` of the workshops that
    meet ``where``, zeros when nobody."""
    counts = status_counts(*where)
    names = ["enrolled", *(s.value for s in Attendance)]
    query = sa.select(Workshop, *(sa.func.coalesce(counts.c[n], 0) for n in names)).outerjoin(
        counts, counts.c.workshop_id == Workshop.id
    )
    return query.where(*where), names


def tallies(trainer_id: int, now: datetime | None = None) -> list[WorkshopTally]:
    """A trainer's workshops that have started, latest first, with their attendance counts."""
    query, _names = with_counts(
        Workshop.trainer_id == trainer_id, Workshop.starts_at <= (now or utcnow())
    )
    query = query.order_by(Workshop.starts_at.desc())
    return [
        WorkshopTally(w, enrolled, {s.value: n for s, n in zip(Attendance, counts, strict=True)})
        for w, enrolled, *counts in db.session.execute(query)
    ]


@dataclass(frozen=True)
class ExportRow:
    name: str
    email: str
    workshop_id: int
    workshop: str
    topic: str
    trainer: str
    starts_at: datetime
    timezone: str
    status: Attendance | None
    first_join: datetime | None
    #: The names of the person's entities, by name, joined with "; " ("" when none).
    entities: str = ""


#: Joins the entity names in SQL; split and sorted in Python (aggregates do not order portably).
_UNIT_SEPARATOR = "\x1f"


def _entity_names(joined: str | None) -> str:
    if not joined:
        return ""
    return "; ".join(sorted(joined.split(_UNIT_SEPARATOR), key=str.casefold))


def _entities_of_seat_holder():
    """The names of the enrolment's person's entities, in one correlated subquery."""
    return (
        sa.select(sa.func.aggregate_strings(Entity.name, _UNIT_SEPARATOR))
        .select_from(Membership)
        .join(Entity, Entity.id == Membership.entity_id)
        .where(Membership.user_id == Enrolment.user_id)
        .scalar_subquery()
    )


def export_rows(
    workshop_ids: Iterable[int] | sa.Select, *, entity_id: int | None = None
) -> list[ExportRow]:
    """The seats of the chosen workshops (ids, or a select of ids such as the report's), each
    with its status, first join into the room and the person's entities, in one query;
    ``entity_id`` keeps that entity's members' seats."""
    trainer = sa.orm.aliased(User)
    first_join = (
        sa.select(sa.func.min(RoomJoin.joined_at))
        .where(
            RoomJoin.workshop_id == Enrolment.workshop_id,
            RoomJoin.user_id == Enrolment.user_id,
            RoomJoin.joined_at <= Workshop.ends_at,
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            User.name,
            User.email,
            Workshop.id,
            Workshop.title,
            Workshop.topic,
            trainer.name,
            Workshop.starts_at,
            Workshop.timezone,
            Enrolment.attendance,
            first_join,
            _entities_of_seat_holder(),
        )
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .join(User, User.id == Enrolment.user_id)
        .join(trainer, trainer.id == Workshop.trainer_id)
        .where(_ENROLLED, Workshop.status == WorkshopStatus.scheduled)
        .order_by(Workshop.starts_at, Workshop.id, sa.func.lower(User.name), User.id)
    )
    ids = workshop_ids if isinstance(workshop_ids, sa.Select) else list(workshop_ids)
    query = query.where(Workshop.id.in_(ids))
    if entity_id:
        members = sa.select(Membership.user_id).where(Membership.entity_id == entity_id)
        query = query.where(Enrolment.user_id.in_(members))
    return [
        ExportRow(*row, entities=_entity_names(names))  # type: ignore[misc]  # mypy can't count *row
        for *row, names in db.session.execute(query)
    ]


def personal_data(user: User) -> dict[str, Any]:
    """When a person entered rooms and how their attendance was marked, for their export."""
    joins = db.session.scalars(
        sa.select(RoomJoin).where(RoomJoin.user_id == user.id).order_by(RoomJoin.id)
    )
    marks = db.session.execute(
        sa.select(AttendanceMark, Enrolment.workshop_id)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .where(Enrolment.user_id == user.id)
        .order_by(AttendanceMark.enrolment_id)
    )
    return {
        "room_joins": [
            {"workshop_id": j.workshop_id, "at": j.joined_at.isoformat()} for j in joins
        ],
        "marks": [
            {"workshop_id": workshop_id, "source": m.source.value,
             "marked_at": m.marked_at.isoformat()}
            for m, workshop_id in marks
        ],
    }  # fmt: skip
