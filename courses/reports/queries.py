"""The programme's figures, per week and in total, computed by the database.

A constant number of queries whatever the number of workshops: weeks are bucketed in SQL
with a ``CASE`` over the week boundaries (Mondays at midnight in the reader's zone, so a
week follows daylight-saving changes), and counted with ``GROUP BY``.

Definitions (the same on the page, in the CSV and in the tests):
- *workshops held*: not cancelled, started before now, within the dates;
- *seats offered*: their capacity; *seats taken*: people holding a seat;
- *fill rate*: seats taken / seats offered;
- *waiting-list demand*: people still waiting when the workshop started, who never got a seat;
- *attendance rate*: (present + late) / seats taken; *no-show rate*: absent / seats taken
  (excused and not yet marked seats count in neither);
- *people reached*: different people who attended (present or late) at least once;
- *entities reached*: different entities with at least one member holding a seat (a person
  in several entities reaches each of them once).

The workshops above are the public ones; the bootcamps' own meetings are counted apart, one
line per cohort (:func:`bootcamps`): its meetings held within the dates (not cancelled,
started before now), their seats taken and attended (present or late), and the weekly
check-ins recorded within the dates.

With an *entity* filter, the seat and attendance figures count only the seats of that
entity's members (a person in several entities is still one seat); the workshops held,
cancelled and their seats offered are those in which its members hold a seat, and the
people who never got a seat are its members left waiting in a workshop held in the dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from courses.attendance import queries as attendance_queries
from courses.cohorts.models import CheckIn, Cohort, CohortPlace
from courses.entities.models import Entity, Membership
from courses.workshops.models import Attendance, Audience, Enrolment, EnrolmentState, Workshop
from courses.workshops.models import WorkshopStatus as _S
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.programmes.permissions import scope_for

MAX_WEEKS = 106


@dataclass(frozen=True)
class Filters:
    first_day: date
    last_day: date
    zone: ZoneInfo
    topic: str | None = None
    trainer_id: int | None = None
    entity_id: int | None = None
    #: The programmes the report covers (those its reader coordinates); None: all of them.
    programmes: frozenset[int] | None = None

    @property
    def mondays(self) -> list[date]:
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        count = (self.last_day - monday).days // 7 + 1
        return [monday + timedelta(weeks=i) for i in range(min(count, MAX_WEEKS))]

    def boundaries(self) -> list[datetime]:
        """Week starts in UTC-comparable aware datetimes, plus the end of the last week."""
        mondays = self.mondays
        return [
            datetime.combine(d, time(), self.zone)
            for d in [*mondays, mondays[-1] + timedelta(weeks=1)]
        ]

    @property
    def starts_from(self) -> datetime:
        return datetime.combine(self.first_day, time(), self.zone)

    @property
    def starts_to(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), self.zone)


@dataclass
class Figures:
    workshops: int = 0
    cancelled: int = 0
    seats_offered: int = 0
    seats_taken: int = 0
    waiting: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    people: int = 0
    entities: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def unmarked(self) -> int:
        return self.seats_taken - self.attended - self.absent - self.excused

    @property
    def fill_rate(self) -> float | None:
        return self.seats_taken / self.seats_offered if self.seats_offered else None

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.seats_taken if self.seats_taken else None

    @property
    def no_show_rate(self) -> float | None:
        return self.absent / self.seats_taken if self.seats_taken else None

    def add(self, other: Figures) -> None:
        for f in fields(self):
            if f.name not in ("people", "entities"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Week:
    monday: date
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class WorkshopLine:
    workshop: Workshop
    counts: dict[str, int]

    @property
    def attended(self) -> int:
        return self.counts["present"] + self.counts["late"]


@dataclass(frozen=True)
class BootcampLine:
    cohort: Cohort
    meetings: int
    seats_taken: int
    attended: int
    checkins: int

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.seats_taken if self.seats_taken else None


@dataclass
class Report:
    filters: Filters
    weeks: list[Week]
    totals: Figures
    workshops: list[WorkshopLine]
    bootcamps: list[BootcampLine] = field(default_factory=list)


#: The programme's workshops; a cohort's own meetings are followed on its dashboard instead.
PUBLIC = Workshop.audience == Audience.public


def _held(filters: Filters, now: datetime):
    conditions = [
        PUBLIC,
        Workshop.starts_at >= filters.starts_from,
        Workshop.starts_at < filters.starts_to,
        Workshop.starts_at <= now,
    ]
    if filters.topic:
        conditions.append(Workshop.topic == filters.topic)
    if filters.trainer_id:
        conditions.append(Workshop.trainer_id == filters.trainer_id)
    if filters.programmes is not None:
        conditions.append(Workshop.programme_id.in_(sorted(filters.programmes)))
    return conditions


def _members(entity_id: int):
    """The ids of an entity's members (a subquery for ``IN``: never duplicates a seat)."""
    return sa.select(Membership.user_id).where(Membership.entity_id == entity_id)


def _selected(filters: Filters, now: datetime):
    """The workshops the figures are about: held, and with an entity filter, those in which
    one of its members holds a seat."""
    conditions = _held(filters, now)
    if filters.entity_id:
        seated = sa.select(Enrolment.workshop_id).where(
            Enrolment.state == EnrolmentState.enrolled,
            Enrolment.user_id.in_(_members(filters.entity_id)),
        )
        conditions.append(Workshop.id.in_(seated))
    return conditions


def held_workshop_ids(filters: Filters, now: datetime | None = None) -> sa.Select:
    """The workshops the report is about, as a select of ids (for its CSV)."""
    return sa.select(Workshop.id).where(*_selected(filters, now or utcnow()))


def _week_of(filters: Filters):
    """The index of a workshop's week, in SQL: a CASE over the week boundaries."""
    bounds = filters.boundaries()
    return sa.case(
        *((Workshop.starts_at < end, i) for i, end in enumerate(bounds[1:])), else_=None
    ).label("week")


def _workshop_sums(filters: Filters, now: datetime):
    """Per week: workshops held and cancelled, seats offered and taken, people left waiting.

    The week is computed in a subquery and grouped on outside: PostgreSQL would not match a
    CASE with bound parameters in the select list against its copy in GROUP BY.
    """
    rows = (
        sa.select(
            _week_of(filters),
            Workshop.id,
            Workshop.status,
            Workshop.capacity,
            Workshop.enrolled_count,
            Workshop.waitlist_count,
        )
        .where(*_selected(filters, now))
        .subquery()
    )
    held = rows.c.status == _S.scheduled
    return sa.select(
        rows.c.week,
        sa.func.count(rows.c.id).filter(held),
        sa.func.count(rows.c.id).filter(rows.c.status == _S.cancelled),
        sa.func.coalesce(sa.func.sum(rows.c.capacity).filter(held), 0),
        sa.func.coalesce(sa.func.sum(rows.c.enrolled_count).filter(held), 0),
        sa.func.coalesce(sa.func.sum(rows.c.waitlist_count).filter(held), 0),
    ).group_by(rows.c.week)


def _attendance_counts(filters: Filters, now: datetime, by_week: bool):
    """Per week (or in total): seats by attendance status, different people who came, and
    (for an entity's figures) seats taken and people left waiting, from the enrolments."""
    conditions = [*_held(filters, now), Workshop.status == _S.scheduled]
    if filters.entity_id:
        conditions.append(Enrolment.user_id.in_(_members(filters.entity_id)))
    rows = (
        sa.select(
            _week_of(filters),
            Enrolment.id,
            Enrolment.user_id,
            Enrolment.state,
            Enrolment.attendance,
        )
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(
            *conditions,
            Enrolment.state.in_([EnrolmentState.enrolled, EnrolmentState.waitlisted]),
        )
        .subquery()
    )
    seated = rows.c.state == EnrolmentState.enrolled

    def count(status: Attendance):
        return sa.func.count(rows.c.id).filter(seated, rows.c.attendance == status)

    attended = rows.c.attendance.in_([Attendance.present, Attendance.late])
    columns = [
        count(Attendance.present),
        count(Attendance.late),
        count(Attendance.absent),
        count(Attendance.excused),
        sa.func.count(sa.distinct(rows.c.user_id)).filter(seated, attended),
        sa.func.count(rows.c.id).filter(seated),
        sa.func.count(rows.c.id).filter(rows.c.state == EnrolmentState.waitlisted),
    ]
    if by_week:
        return sa.select(rows.c.week, *columns).group_by(rows.c.week)
    return sa.select(*columns)


def _entities_reached(filters: Filters, now: datetime):
    """Each (week, entity) with a member holding a seat, once: per week and in total are
    counted from these pairs (a bounded set: weeks times entities)."""
    conditions = [
        *_held(filters, now),
        Workshop.status == _S.scheduled,
        Enrolment.state == EnrolmentState.enrolled,
    ]
    if filters.entity_id:
        conditions.append(Membership.entity_id == filters.entity_id)
    if filters.programmes is not None:
        conditions.append(Entity.programme_id.in_(sorted(filters.programmes)))
    rows = (
        sa.select(_week_of(filters), Membership.entity_id)
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .join(Membership, Membership.user_id == Enrolment.user_id)
        .join(Entity, Entity.id == Membership.entity_id)
        .where(*conditions)
        .subquery()
    )
    return sa.select(rows.c.week, rows.c.entity_id).distinct()


def _workshop_lines(filters: Filters, now: datetime) -> list[WorkshopLine]:
    query, _names = attendance_queries.with_counts(
        *_selected(filters, now), Workshop.status == _S.scheduled
    )
    query = query.order_by(Workshop.starts_at, Workshop.id)
    return [
        WorkshopLine(w, {s.value: n for s, n in zip(Attendance, counts, strict=True)})
        for w, _enrolled, *counts in db.session.execute(query)
    ]


def bootcamps(filters: Filters, now: datetime) -> list[BootcampLine]:
    """One line per cohort of the report's programmes with a meeting or a check-in in the
    dates (three queries). The topic and trainer filters are the public workshops'; the
    entity filter keeps the cohorts where that entity holds a place and counts its seats."""
    cohorts = sa.select(Cohort.id)
    if filters.programmes is not None:
        cohorts = cohorts.where(Cohort.programme_id.in_(sorted(filters.programmes)))
    if filters.entity_id:
        cohorts = cohorts.where(
            Cohort.id.in_(
                sa.select(CohortPlace.cohort_id).where(CohortPlace.entity_id == filters.entity_id)
            )
        )
    held = [
        Workshop.cohort_id.in_(cohorts),
        Workshop.status == _S.scheduled,
        Workshop.starts_at >= filters.starts_from,
        Workshop.starts_at < filters.starts_to,
        Workshop.starts_at <= now,
    ]
    seated = [Enrolment.state == EnrolmentState.enrolled]
    if filters.entity_id:
        seated.append(Enrolment.user_id.in_(_members(filters.entity_id)))
    seats = sa.select(Enrolment.workshop_id, Enrolment.attendance).where(*seated).subquery()
    meetings: dict[int, tuple[int, int, int]] = {}
    for cohort_id, n, taken, attended in db.session.execute(
        sa.select(
            Workshop.cohort_id,
            sa.func.count(sa.distinct(Workshop.id)),
            sa.func.count(seats.c.workshop_id),
            sa.func.count(seats.c.workshop_id).filter(
                seats.c.attendance.in_([Attendance.present, Attendance.late])
            ),
        )
        .outerjoin(seats, seats.c.workshop_id == Workshop.id)
        .where(*held)
        .group_by(Workshop.cohort_id)
    ):
        if cohort_id is not None:  # always: ``held`` keeps cohort meetings only
            meetings[cohort_id] = (n, taken, attended)
    recorded = [
        CheckIn.cohort_id.in_(cohorts),
        CheckIn.created_at >= filters.starts_from,
        CheckIn.created_at < filters.starts_to,
    ]
    if filters.entity_id:
        recorded.append(CheckIn.entity_id == filters.entity_id)
    checkins: dict[int, int] = dict(
        db.session.execute(
            sa.select(CheckIn.cohort_id, sa.func.count(CheckIn.id))
            .where(*recorded)
            .group_by(CheckIn.cohort_id)
        ).all()
    )
    shown = sorted(set(meetings) | set(checkins))
    if not shown:
        return []
    found = {c.id: c for c in db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(shown)))}
    return [
        BootcampLine(found[i], *meetings.get(i, (0, 0, 0)), checkins.get(i, 0))
        for i in sorted(shown, key=lambda i: (found[i].starts_on, i))
    ]


def report(filters: Filters, now: datetime | None = None) -> Report:
    """The figures per week and in total, the workshops held, and a line per bootcamp
    cohort (eight queries)."""
    now = now or utcnow()
    weeks = [Week(monday) for monday in filters.mondays]
    for i, held, cancelled, offered, taken, waiting in db.session.execute(
        _workshop_sums(filters, now)
    ):
        if i is not None:
            figures = weeks[i].figures
            figures.workshops, figures.cancelled = held, cancelled
            figures.seats_offered, figures.seats_taken, figures.waiting = offered, taken, waiting
    for i, *counts in db.session.execute(_attendance_counts(filters, now, by_week=True)):
        if i is not None:
            _set_counts(weeks[i].figures, counts, filters)
    entities: set[int] = set()
    for i, entity_id in db.session.execute(_entities_reached(filters, now)):
        if i is not None:
            weeks[i].figures.entities += 1
            entities.add(entity_id)
    totals = Figures()
    for week in weeks:
        totals.add(week.figures)
    totals.people = db.session.execute(_attendance_counts(filters, now, by_week=False)).one()[4]
    totals.entities = len(entities)
    return Report(filters, weeks, totals, _workshop_lines(filters, now), bootcamps(filters, now))


def _set_counts(figures: Figures, counts: list[int], filters: Filters) -> None:
    figures.present, figures.late, figures.absent, figures.excused, figures.people = counts[:5]
    if filters.entity_id:
        # Only the entity's own seats and waiting people, not the whole workshops'.
        figures.seats_taken, figures.waiting = counts[5:]


def first_start_since(since: datetime) -> datetime | None:
    """When the first workshop since ``since`` started (to begin a default report there)."""
    return db.session.scalar(
        sa.select(sa.func.min(Workshop.starts_at)).where(
            Workshop.starts_at >= since,
            Workshop.status == _S.scheduled,
            PUBLIC,
            scope_for(Workshop.programme_id),
        )
    )


def topics() -> list[str]:
    """The topics of the workshops of the programmes whoever asks coordinates."""
    query = (
        sa.select(Workshop.topic)
        .where(Workshop.topic != "", PUBLIC, scope_for(Workshop.programme_id))
        .distinct()
        .order_by(Workshop.topic)
    )
    return list(db.session.scalars(query))


def trainers() -> list[User]:
    """The people who have taught or will teach a workshop, by name."""
    taught = (
        sa.select(Workshop.trainer_id)
        .where(PUBLIC, scope_for(Workshop.programme_id))
        .distinct()
        .scalar_subquery()
    )
    query = sa.select(User).where(User.id.in_(taught)).order_by(sa.func.lower(User.name))
    return list(db.session.scalars(query))


def entities() -> list[tuple[int, str]]:
    """Every entity's id and name, by name (the report's filter)."""
    query = (
        sa.select(Entity.id, Entity.name)
        .where(scope_for(Entity.programme_id))
        .order_by(sa.func.lower(Entity.name), Entity.id)
    )
    return [(entity_id, name) for entity_id, name in db.session.execute(query)]
