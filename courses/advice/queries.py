"""Reads of the advice desk: topics, advisors, cases, and an advisor's free slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.errors import is_id
from lms.programmes.permissions import scope_for

from ..entities.models import Entity
from ..workshops.models import Workshop, WorkshopStatus
from .models import Advisor, Case, CaseState, Consultation, EntityNeed, Topic

#: The furthest ahead anyone may look for (or book) a slot.
HORIZON = timedelta(days=92)
#: How many free slots a refused booking shows.
NEXT_SLOTS = 5


@dataclass(frozen=True)
class Slot:
    advisor_id: int
    starts_at: datetime
    ends_at: datetime


def get_topic(topic_id: Any) -> Topic | None:
    return db.session.get(Topic, topic_id) if is_id(topic_id) else None


def topics(*, active_only: bool = True, kept: bool = False) -> list[Topic]:
    """Every programme's topics (anyone may ask for advice); with ``kept``, only those of
    the programmes whoever asks coordinates."""
    query = sa.select(Topic).options(selectinload(Topic.advisors)).order_by(Topic.name_en)
    if active_only:
        query = query.where(Topic.active.is_(True))
    if kept:
        query = query.where(scope_for(Topic.programme_id))
    return list(db.session.scalars(query))


def get_advisor(user_id: Any) -> Advisor | None:
    return db.session.get(Advisor, user_id) if is_id(user_id) else None


def advisors() -> list[Advisor]:
    return list(
        db.session.scalars(
            sa.select(Advisor).options(selectinload(Advisor.topics)).order_by(Advisor.user_id)
        )
    )


def get_case(case_id: Any) -> Case | None:
    return db.session.get(Case, case_id) if is_id(case_id) else None


def get_consultation(consultation_id: Any) -> Consultation | None:
    if not is_id(consultation_id):
        return None
    return db.session.get(Consultation, consultation_id)


def consultation_of_workshop(workshop_id: int) -> Consultation | None:
    return db.session.scalar(sa.select(Consultation).where(Consultation.workshop_id == workshop_id))


def _cases():
    return sa.select(Case).options(selectinload(Case.consultations), selectinload(Case.referrals))


def cases_of_requester(user_id: int) -> list[Case]:
    query = _cases().where(Case.requester_id == user_id).order_by(Case.id.desc())
    return list(db.session.scalars(query))


def cases_of_advisor(user_id: int) -> list[Case]:
    query = _cases().where(Case.advisor_id == user_id).order_by(Case.id.desc())
    return list(db.session.scalars(query))


def _coordinated(person: Any = None):
    """The cases of the topics of the programmes ``person`` (whoever asks) coordinates."""
    return Case.topic_id.in_(sa.select(Topic.id).where(scope_for(Topic.programme_id, person)))


def unassigned_cases(*, person: Any = None) -> list[Case]:
    query = _cases().where(Case.state == CaseState.unassigned, _coordinated(person))
    return list(db.session.scalars(query.order_by(Case.id)))


def all_cases(*, person: Any = None) -> list[Case]:
    """Every case of the programmes ``person`` (by default, whoever asks) coordinates."""
    return list(db.session.scalars(_cases().where(_coordinated(person)).order_by(Case.id.desc())))


def cases_of_entity(entity_id: int) -> list[Case]:
    return list(db.session.scalars(_cases().where(Case.entity_id == entity_id).order_by(Case.id)))


def need_levels() -> dict[int, Any]:
    """The need level of the entities of the programmes whoever asks coordinates."""
    query = (
        sa.select(EntityNeed)
        .join(Entity, Entity.id == EntityNeed.entity_id)
        .where(scope_for(Entity.programme_id))
    )
    return {n.entity_id: n.level for n in db.session.scalars(query)}


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 UTC of the current week: "this week" of the routing's load."""
    now = (now or utcnow()).astimezone(UTC)
    monday = now.date() - timedelta(days=now.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def loads(advisor_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Requests routed to each advisor this week."""
    rows = db.session.execute(
        sa.select(Case.advisor_id, sa.func.count())
        .where(Case.advisor_id.in_(advisor_ids), Case.routed_at >= week_start(now))
        .group_by(Case.advisor_id)
    )
    return {advisor_id: count for advisor_id, count in rows if advisor_id is not None}


# -- slots ----------------------------------------------------------------------------------


def _days(start: datetime, end: datetime, advisor: Advisor) -> list[date]:
    zone = advisor.zone
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def hour_slots(advisor: Advisor, start: datetime, end: datetime) -> list[Slot]:
    """Every slot of the advisor's weekly hours between ``start`` and ``end``, busy or not, in
    order: each stretch of hours is cut from its start into consultations of
    ``slot_minutes``, on local wall-clock time (a daylight-saving change moves no slot)."""
    zone, length = advisor.zone, timedelta(minutes=advisor.slot_minutes)
    days_off = {d.day for d in advisor.days_off}
    slots = []
    for day in _days(start, end, advisor):
        if day in days_off:
            continue
        for hours in advisor.hours:
            if hours.weekday != day.isoweekday():
                continue
            local = datetime.combine(day, hours.starts)
            close = datetime.combine(day, hours.ends)
            while local + length <= close:
                starts = local.replace(tzinfo=zone).astimezone(UTC)
                ends = (local + length).replace(tzinfo=zone).astimezone(UTC)
                if start <= starts and ends <= end:
                    slots.append(Slot(advisor.user_id, starts, ends))
                local += length
    return sorted(slots, key=lambda s: s.starts_at)


def busy(advisor_id: int, start: datetime, end: datetime, *, except_workshop: int | None = None):
    """The (start, end) of everything the advisor is in between ``start`` and ``end``: the
    workshops they train that are not cancelled, their consultations' own workshops included."""
    query = sa.select(Workshop.starts_at, Workshop.ends_at).where(
        Workshop.trainer_id == advisor_id,
        Workshop.status == WorkshopStatus.scheduled,
        Workshop.starts_at < end,
        Workshop.ends_at > start,
    )
    if except_workshop is not None:
        query = query.where(Workshop.id != except_workshop)
    return [tuple(row) for row in db.session.execute(query)]


def free_slots(
    advisor: Advisor,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    except_workshop: int | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """The advisor's slots between ``start`` and ``end`` that are still to come and overlap
    nothing they are in."""
    now = now or utcnow()
    start, end = max(start, now), min(end, now + HORIZON)
    if end <= start:
        return []
    taken = busy(advisor.user_id, start, end, except_workshop=except_workshop)
    free = [
        s
        for s in hour_slots(advisor, start, end)
        if s.starts_at > now and not any(b < s.ends_at and s.starts_at < e for b, e in taken)
    ]
    return free[:limit] if limit else free


def topic_slots(topic: Topic, start: datetime, end: datetime) -> list[Slot]:
    """Free slots of every advisor of the topic, in order of time (then advisor)."""
    slots = [s for a in topic.advisors for s in free_slots(a, start, end)]
    return sorted(slots, key=lambda s: (s.starts_at, s.advisor_id))


def next_free(advisor: Advisor, after: datetime | None = None) -> list[Slot]:
    """The next few free slots: what a refused booking offers instead."""
    start = after or utcnow()
    for ahead in (timedelta(days=7), timedelta(days=28), HORIZON):  # the near weeks first
        found = free_slots(advisor, start, start + ahead, limit=NEXT_SLOTS)
        if len(found) == NEXT_SLOTS:
            break
    return found


def personal_data(user: User) -> list[dict[str, Any]]:
    """A person's requests to the advice desk and their consultations, for their export (an
    advisor's private notes are not theirs to read and are left out)."""
    cases = db.session.scalars(
        sa.select(Case).where(Case.requester_id == user.id).order_by(Case.id)
    ).all()
    held = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.case_id.in_([c.id for c in cases]))
        .order_by(Consultation.starts_at)
    ).all()
    return [
        {
            "id": c.id,
            "topic": c.topic.name_in(user.locale or "en"),
            "organisation": c.organisation,
            "need": c.need,
            "urgency": c.urgency.value,
            "consent": c.consent,
            "state": c.state.value,
            "created_at": c.created_at.isoformat(),
            "consultations": [
                {"starts_at": h.starts_at.isoformat(), "state": h.state.value}
                for h in held
                if h.case_id == c.id
            ],
        }
        for c in cases
    ]
