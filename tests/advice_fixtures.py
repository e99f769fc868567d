"""Helpers for the advice-desk tests: a topic with advisors who keep weekly hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lms.db import db, utcnow

ZONE = "Europe/Madrid"
#: Every day, 10:00 to 11:30 in Madrid: two 45-minute consultations a day.
EVERY_DAY = [(day, "10:00", "11:30") for day in range(1, 8)]


@pytest.fixture
def desk(make_user) -> Any:
    """``desk(advisors=2)``: a committed topic whose advisors (trainers) keep EVERY_DAY."""
    from courses.advice import operations

    def make(advisors: int = 1, *, name: str = "Comercio electrónico", weekly=None):
        people = [make_user("trainer", name=f"Advisor {n + 1}") for n in range(advisors)]
        for person in people:
            operations.set_hours(
                person.id, timezone=ZONE, slot_minutes=45, weekly=weekly or EVERY_DAY
            )
        topic = operations.create_topic(name, advisor_ids=[p.id for p in people])
        db.session.commit()
        return topic, people

    return make


def request_for(person, topic, **extra: Any):
    """A committed, routed request of ``person`` on ``topic``."""
    from courses.advice import operations

    case = operations.create_request(
        db.session.merge(person),
        topic_id=topic.id,
        need=extra.pop("need", "Quiero vender por internet"),
        consent=extra.pop("consent", True),
        **extra,
    )
    db.session.commit()
    return case


def free(advisor_id: int, days: int = 14) -> list:
    from courses.advice import queries

    advisor = queries.get_advisor(advisor_id)
    now = utcnow()
    return queries.free_slots(advisor, now, now + timedelta(days=days))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    day = (utcnow().astimezone(ZoneInfo(ZONE)) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


@pytest.fixture
def advice_people(desk, make_user, api_token) -> Any:
    """A case of ``requester`` routed to ``advisor`` (on a topic with ``other_advisor`` too,
    who has more requests this week), another topic, and bearer headers for each role."""
    topic, (advisor, other) = desk(2)
    request_for(make_user(), topic, advisor_id=other.id)  # so the next goes to `advisor`
    second, _ = desk(name="Protección de datos")
    people = {
        "learner": make_user(),
        "requester": make_user(),
        "advisor": advisor,
        "other_advisor": other,
        "coordinator": make_user("coordinator"),
    }
    case = request_for(people["requester"], topic)
    assert case.advisor_id == advisor.id
    headers = {"anonymous": {}} | {role: api_token(user) for role, user in people.items()}
    return {"topic": topic, "other_topic": second, "case": case, "people": people,
            "headers": headers}  # fmt: skip
