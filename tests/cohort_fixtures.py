"""Helpers for the cohort tests: dates around daylight-saving changes, a bootcamp itinerary,
entities with members."""

from __future__ import annotations

from datetime import date, timedelta

from lms.db import db
from tests.factories import STEPS, ZONE

__all__ = ["STEPS", "ZONE"]


def last_sunday(year: int, month: int) -> date:
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return end - timedelta(days=end.isoweekday() % 7)


def next_dst_change(after: date) -> date:
    """The next last Sunday of March or October (the EU's changes) after ``after``."""
    changes = sorted(last_sunday(y, m) for y in (after.year, after.year + 1) for m in (3, 10))
    return next(d for d in changes if d > after)


def cohort_start_across_dst(today: date | None = None) -> tuple[date, date]:
    """A Monday whose week ends with a daylight-saving change at least a week from now,
    and that change."""
    change = next_dst_change((today or date.today()) + timedelta(days=7))
    return change - timedelta(days=6), change


def make_entities(make_user, count: int, members: int = 2, prefix: str = "Coop"):
    from courses.entities import operations

    entities = []
    for n in range(1, count + 1):
        entity = operations.create_entity(name=f"{prefix} {n}", kind="cooperative")
        for m in range(members):
            user = db.session.merge(make_user("learner", name=f"{prefix} {n} person {m + 1}"))
            operations.add_member(entity.id, user, "referent" if m == 0 else "member")
        entities.append(entity)
    db.session.commit()
    return entities


class Listener:
    """Records what a blinker signal sends while connected (``with Listener(signal) as l``)."""

    def __init__(self, signal, pick=lambda sender, **kwargs: (sender, kwargs)):
        self.signal, self.pick, self.calls = signal, pick, []

    def __call__(self, sender, **kwargs):
        self.calls.append(self.pick(sender, **kwargs))

    def __enter__(self):
        self.signal.connect(self, weak=False)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self)
