"""Helpers for the hostile-input tests: hostile values, a small world to aim them at, and a
count of every row written (to prove that a refused change wrote nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.accounts.models import TokenPurpose
from lms.db import db, utcnow
from tests.cohort_fixtures import STEPS, make_entities

#: Ids beyond every database's integer range (PostgreSQL's integer, then bigint, then any).
HUGE_IDS = ("2147483648", "9223372036854775808", "99999999999999999999")

#: Hostile values for a JSON field, by class; each field gets one value of each class, taken
#: in turn (``pick``), so that every value is aimed at some field and each request counts.
JSON_CLASSES: dict[str, list[Any]] = {
    "huge_int": [2**31, 2**63, 10**20, -(2**70)],
    "unreadable": ["abc\ud800def", "abc\x00def", "abc\x1b[31mdef", "\udfff"],
    "line_break": ["abc\r\nBcc: evil@example.org", "a\nb", "a\u2028b", "\ta\x85b"],
    "date": ["9999-12-31T22:30:00", "10000-01-01", "0001-01-01T00:30:00", "2150-06-01",
             "2027-03-28T02:30:00", "2027-10-31T02:30:00"],
    "null": [None],
    "object": [{}],
    "list": [[], ["x"]],
    "wrong_type": [True, 1.5, "12", 0],
    "long": ["x" * 100_000],
}  # fmt: skip

#: What a JSON body may be instead of an object.
NOT_AN_OBJECT: list[Any] = [None, [], "x", 5]

#: Hostile values for a form field (forms carry text alone), by class. Bytes are sent as they
#: are: a lone surrogate's UTF-8 form and bytes that are no UTF-8 at all.
FORM_CLASSES: dict[str, list[Any]] = {
    "huge_int": ["99999999999999999999", "2147483648", "-9223372036854775809"],
    "unreadable": ["abc\x00def", b"%ED%A0%80", b"%FF%FE", "abc\x1b[31m\x7f"],
    "line_break": ["abc\r\nBcc: evil@example.org", "a\nb", "\u2028"],
    "far_date": ["9999-12-31", "10000-01-01", "0001-01-01", "02:30"],
    "empty": [""],
    "long": ["x" * 100_000],
}


def pick(values: list[Any], turn: int) -> Any:
    return values[turn % len(values)]


@dataclass
class World:
    coordinator: Any
    trainer: Any
    learner: Any
    workshop: Any
    entity: Any
    itinerary: Any
    cohort: Any
    message_id: int
    desk: AdviceDesk

    def ids(self) -> dict[str, Any]:
        """Values for the URL map's parameters (and for the bodies' ``{name}``)."""
        return {
            "workshop_id": self.workshop.id,
            "user_id": self.learner.id,
            "entity_id": self.entity.id,
            "cohort_id": self.cohort.id,
            "itinerary_id": self.itinerary.id,
            "message_id": self.message_id,
            "programme_id": self.workshop.programme_id,
        } | self.desk.ids()


@dataclass
class AdviceDesk:
    """The advice desk of the world: the trainer advises (with hours) on two topics; the
    coordinator has asked for advice twice, one request with a consultation booked; and the
    coordinator has a spare API token and a live password-reset link."""

    advisor_id: int
    topic_id: int
    other_topic_id: int
    spare_topic_id: int
    case_id: int
    consultation_id: int
    free_slots: list[str]
    token_id: int
    reset_token: str

    def ids(self) -> dict[str, Any]:
        return {
            "advisor_id": self.advisor_id,
            "topic_id": self.topic_id,
            "other_topic_id": self.other_topic_id,
            "spare_topic_id": self.spare_topic_id,
            "case_id": self.case_id,
            "consultation_id": self.consultation_id,
            "slot": self.free_slots[0],
            "later_slot": self.free_slots[1],
            "slot_day": _weekday(self.free_slots[0]),
            "later_slot_day": _weekday(self.free_slots[1]),
            "token_id": self.token_id,
            "token": self.reset_token,
        }


def _weekday(moment: str) -> int:
    """The ISO weekday of ``moment`` in the advisor's zone (the world's is Madrid's)."""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo("Europe/Madrid")).isoweekday()


def make_desk(coordinator: Any, advisor: Any) -> AdviceDesk:
    from courses.advice import operations as advice
    from courses.advice import queries
    from lms.accounts import operations as accounts

    coordinator, advisor = db.session.merge(coordinator), db.session.merge(advisor)
    weekly = [(day, "08:00", "20:00") for day in range(1, 8)]
    advice.set_hours(advisor.id, timezone="Europe/Madrid", slot_minutes=60, weekly=weekly)
    topic = advice.create_topic("Funding", advisor_ids=[advisor.id])
    other = advice.create_topic("Legal form", advisor_ids=[advisor.id])
    spare = advice.create_topic("Spare", advisor_ids=[advisor.id])  # for the topic's edits
    case = advice.create_request(coordinator, topic_id=topic.id, need="Help", consent=True)
    booked = advice.create_request(coordinator, topic_id=topic.id, need="More", consent=True)
    now = utcnow()
    slots = queries.free_slots(booked.advisor, now + timedelta(days=2), now + timedelta(days=9))
    consultation = advice.book(booked.id, slots[0].starts_at)
    token, _secret = accounts.make_token(coordinator)
    reset = accounts._new_link(coordinator, TokenPurpose.reset, timedelta(hours=1))
    db.session.commit()
    return AdviceDesk(
        advisor_id=advisor.id,
        topic_id=topic.id,
        other_topic_id=other.id,
        spare_topic_id=spare.id,
        case_id=case.id,
        consultation_id=consultation.id,
        free_slots=[s.starts_at.isoformat() for s in slots[1:3]],
        token_id=token.id,
        reset_token=reset,
    )


def make_world(make_user, make_workshop) -> World:
    """A coordinator, a trainer, a learner enrolled in a workshop, an entity admitted to a
    cohort, one outbox message, and the advice desk (``make_desk``)."""
    from courses.cohorts import operations as cohorts
    from courses.workshops import operations as workshops
    from lms.notifications.models import OutboxMessage

    coordinator = make_user("coordinator", name="Coordinator")
    trainer = make_user("trainer", name="Trainer")
    learner = make_user("learner", name="Learner")
    workshop = make_workshop(trainer=trainer, capacity=5)
    workshops.enrol(workshop.id, db.session.merge(learner))
    (entity,) = make_entities(make_user, 1)
    itinerary = cohorts.create_itinerary(name="Path", steps=STEPS)
    cohort = cohorts.create_cohort(
        itinerary_id=itinerary.id,
        name="Cohort",
        starts_on=date.today() + timedelta(days=14),
        timezone="Europe/Madrid",
        referent=db.session.merge(coordinator),
    )
    cohorts.admit_entity(cohort.id, entity.id)
    db.session.commit()
    message_id = db.session.scalar(sa.select(sa.func.min(OutboxMessage.id)))
    desk = make_desk(coordinator, trainer)
    return World(
        coordinator, trainer, learner, workshop, entity, itinerary, cohort, message_id or 1, desk
    )


class WriteCounter:
    """Counts every row written to any table, with a trigger per table: one cheap query tells
    whether a request wrote anything at all (content compared row by row would cost more
    than the request). Installed for one test, and removed after it (PostgreSQL keeps the
    database for the whole run)."""

    TABLE = "hostile_walk_writes"

    def __init__(self) -> None:
        self.tables = [t.name for t in db.metadata.sorted_tables]
        self.postgres = db.engine.dialect.name == "postgresql"

    def install(self) -> None:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE {self.TABLE} (n INTEGER NOT NULL)")
            conn.exec_driver_sql(f"INSERT INTO {self.TABLE} VALUES (0)")
            if self.postgres:
                conn.exec_driver_sql(
                    f"CREATE FUNCTION {self.TABLE}_count() RETURNS trigger LANGUAGE plpgsql "
                    f"AS $$ BEGIN UPDATE {self.TABLE} SET n = n + 1; RETURN NULL; END $$"
                )
            for table in self.tables:
                if self.postgres:
                    conn.exec_driver_sql(
                        f"CREATE TRIGGER {self.TABLE}_{table} AFTER INSERT OR UPDATE OR DELETE "
                        f'ON "{table}" FOR EACH ROW EXECUTE FUNCTION {self.TABLE}_count()'
                    )
                    continue
                for op in ("INSERT", "UPDATE", "DELETE"):
                    conn.exec_driver_sql(
                        f'CREATE TRIGGER {self.TABLE}_{table}_{op} AFTER {op} ON "{table}" '
                        f"BEGIN UPDATE {self.TABLE} SET n = n + 1; END"
                    )

    def count(self) -> int:
        db.session.rollback()
        with db.engine.connect() as conn:
            return conn.exec_driver_sql(f"SELECT n FROM {self.TABLE}").scalar_one()

    def remove(self) -> None:
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in self.tables:
                if self.postgres:
                    conn.exec_driver_sql(f'DROP TRIGGER {self.TABLE}_{table} ON "{table}"')
                    continue
                for op in ("INSERT", "UPDATE", "DELETE"):
                    conn.exec_driver_sql(f"DROP TRIGGER {self.TABLE}_{table}_{op}")
            if self.postgres:
                conn.exec_driver_sql(f"DROP FUNCTION {self.TABLE}_count()")
            conn.exec_driver_sql(f"DROP TABLE {self.TABLE}")


def now_plus(days: int) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%d")
