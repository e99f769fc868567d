"""The one queue (courses/queue.py), driven through both of its users, workshop seats (people)
and cohort places (entities), by random sequences of arrivals, departures, places given out of
turn, capacity changes and another date, on the real database (SQLite, or PostgreSQL when the
suite runs there). After every step the database must agree with a plain model of the rule:
arrival order, capacity, and no place idle while someone waits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from lms.db import db, utcnow
from lms.errors import DomainError

HOLDERS = 6
HELD, WAITING, GONE = "held", "waiting", "gone"


@dataclass
class Model:
    """The rule in a few lines: a queue by arrival, a capacity, a closed flag."""

    capacity: int
    closed: bool = False
    state: dict[int, str] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # live holders, by arrival

    def held(self) -> int:
        return sum(self.state[h] == HELD for h in self.order)

    def fill(self) -> None:
        for h in self.order:
            if not self.closed and self.state[h] == WAITING and self.held() < self.capacity:
                self.state[h] = HELD

    def arrive(self, h: int) -> None:
        if h not in self.order:
            self.state[h] = HELD if self.held() < self.capacity else WAITING
            self.order.append(h)

    def leave(self, h: int) -> bool:
        if h not in self.order:
            return False
        self.order.remove(h)
        self.state[h] = GONE
        self.fill()
        return True

    def give(self, h: int) -> bool:
        if self.closed or self.state.get(h) != WAITING:
            return False
        self.capacity += self.held() >= self.capacity
        self.state[h] = HELD
        return True

    def resize(self, n: int) -> bool:
        if self.closed or n < self.held():
            return False
        self.capacity = n
        self.fill()
        return True


class Seats:
    """Workshop seats: people in a workshop."""

    name = "workshop seats"
    states = {"enrolled": HELD, "waitlisted": WAITING, "withdrawn": GONE, "removed": GONE}

    def __init__(self, make_user, make_workshop):
        from courses.workshops import operations

        self.ops = operations
        self.people = [make_user() for _ in range(HOLDERS)]
        self.make_workshop = make_workshop

    def new(self, capacity: int) -> int:
        return self.make_workshop(capacity=capacity).id

    def arrive(self, owner: int, h: int) -> None:
        self.ops.enrol(owner, self.people[h])

    def leave(self, owner: int, h: int) -> None:
        self.ops.withdraw(owner, self.people[h].id, removed=h % 2 == 0)

    def give(self, owner: int, h: int) -> None:
        self.ops.give_seat(owner, self.people[h].id)

    def resize(self, owner: int, n: int) -> None:
        self.ops.update_workshop(owner, capacity=n)

    def another_date(self, owner: int, capacity: int) -> int:
        starts = utcnow().replace(microsecond=0) + timedelta(days=8)
        new = self.ops.open_another_date(
            owner, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=capacity
        )
        return new.id

    def take(self, offered: int, h: int) -> None:
        self.ops.take_another_date(offered, self.people[h])

    def close(self, owner: int) -> None:
        self.ops.cancel_workshop(owner)

    def rows(self, owner: int) -> list[tuple[int, str]]:
        from courses.workshops.models import Enrolment

        ids = {p.id: i for i, p in enumerate(self.people)}
        query = sa.select(Enrolment.user_id, Enrolment.state).where(Enrolment.workshop_id == owner)
        return [(ids[u], s.value) for u, s in db.session.execute(query.order_by(Enrolment.arrival))]

    def counters(self, owner: int) -> tuple[int, int, int]:
        from courses.workshops.models import Workshop

        w = db.session.get(Workshop, owner, populate_existing=True)
        return w.capacity, w.enrolled_count, w.waitlist_count


class Places:
    """Cohort places: entities in a cohort."""

    name = "cohort places"
    states = {"admitted": HELD, "waitlisted": WAITING, "left": GONE}

    def __init__(self, make_user, make_workshop):
        from courses.cohorts import operations
        from courses.entities import operations as entities

        self.ops = operations
        self.entities = [
            entities.create_entity(name=f"Cooperativa {n}", kind="cooperative")
            for n in range(HOLDERS)
        ]
        self.referent = make_user("coordinator")
        step = {"kind": "workshop", "title": "Casos", "week": 1, "weekday": 2,
                "start_time": "10:00", "duration_minutes": 60}  # fmt: skip
        self.itinerary = operations.create_itinerary(name="Camí", steps=[step]).id
        db.session.commit()

    def new(self, capacity: int) -> int:
        cohort = self.ops.create_cohort(
            itinerary_id=self.itinerary,
            name="Cohort",
            starts_on=(utcnow() + timedelta(days=14)).date(),
            timezone="Europe/Madrid",
            referent=db.session.merge(self.referent),
            capacity=capacity,
        )
        db.session.commit()
        return cohort.id

    def arrive(self, owner: int, h: int) -> None:
        self.ops.admit_entity(owner, self.entities[h].id)

    def leave(self, owner: int, h: int) -> None:
        self.ops.remove_entity(owner, self.entities[h].id)

    def resize(self, owner: int, n: int) -> None:
        self.ops.change_capacity(owner, n)

    def rows(self, owner: int) -> list[tuple[int, str]]:
        from courses.cohorts.models import CohortPlace

        ids = {e.id: i for i, e in enumerate(self.entities)}
        query = sa.select(CohortPlace.entity_id, CohortPlace.state).where(
            CohortPlace.cohort_id == owner
        )
        return [
            (ids[e], s.value) for e, s in db.session.execute(query.order_by(CohortPlace.arrival))
        ]

    def counters(self, owner: int) -> tuple[int, int, int]:
        from courses.cohorts.models import Cohort

        c = db.session.get(Cohort, owner, populate_existing=True)
        return c.capacity, c.admitted_count, c.waitlist_count


def machine(user: Any) -> type[RuleBasedStateMachine]:
    """A state machine over one queue user; workshop-only rules run where the user has them."""
    has = lambda name: hasattr(user, name)  # noqa: E731

    class Queue(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.owners = {user.new(1): Model(1)}
            self.first = next(iter(self.owners))

        def _apply(self, allowed: bool, change: Callable[[], Any]) -> Any:
            try:
                result = change()
            except DomainError:
                db.session.rollback()
                assert not allowed, "refused a change the rule allows"
                return None
            db.session.commit()
            assert allowed, "allowed a change the rule refuses"
            return result

        @rule(h=st.integers(0, HOLDERS - 1), second=st.booleans())
        def arrive(self, h: int, second: bool) -> None:
            owner = self._pick(second)
            model = self.owners[owner]
            allowed = h in model.order or not model.closed  # asking again changes nothing
            if allowed:
                model.arrive(h)
            self._apply(allowed, lambda: user.arrive(owner, h))

        @rule(data=st.data(), second=st.booleans())
        def leave(self, data: st.DataObject, second: bool) -> None:
            owner = self._pick(second)
            h = self._draw(data, self.owners[owner].order)  # mostly someone in the queue
            self._apply(self.owners[owner].leave(h), lambda: user.leave(owner, h))

        @rule(n=st.integers(1, 3))
        def resize(self, n: int) -> None:
            self._apply(self.owners[self.first].resize(n), lambda: user.resize(self.first, n))

        @rule(data=st.data())
        def give_out_of_turn(self, data: st.DataObject) -> None:
            model = self.owners[self.first]
            h = self._draw(data, [h for h in model.order if model.state[h] == WAITING])
            if has("give"):
                self._apply(self.owners[self.first].give(h), lambda: user.give(self.first, h))

        @rule(capacity=st.integers(1, 2))
        def open_another_date(self, capacity: int) -> None:
            if has("another_date") and len(self.owners) == 1:
                allowed = not self.owners[self.first].closed
                new = self._apply(allowed, lambda: user.another_date(self.first, capacity))
                if new is not None:
                    self.owners[new] = Model(capacity)

        @rule(data=st.data())
        def take_another_date(self, data: st.DataObject) -> None:
            if not has("take") or len(self.owners) == 1:
                return
            h = self._draw(data, self.owners[self.first].order)
            original, offered = self.owners[self.first], self.owners[self._pick(True)]
            already = h in offered.order
            allowed = already or original.state.get(h) == WAITING
            if allowed and not already:
                offered.arrive(h)
                original.order.remove(h)
                original.state[h] = GONE
            self._apply(allowed, lambda: user.take(self._pick(True), h))

        @rule()
        def close(self) -> None:
            if has("close"):
                self.owners[self.first].closed = True
                self._apply(True, lambda: user.close(self.first))

        def _draw(self, data: st.DataObject, likely: list[int]) -> int:
            """One of ``likely`` most of the time, anyone now and then."""
            anyone = st.integers(0, HOLDERS - 1)
            return data.draw(st.sampled_from(likely) | anyone if likely else anyone)

        def _pick(self, second: bool) -> int:
            return list(self.owners)[-1] if second else self.first

        @invariant()
        def the_database_agrees(self) -> None:
            db.session.rollback()
            for owner, model in self.owners.items():
                rows = user.rows(owner)
                assert {h: user.states[s] for h, s in rows} == model.state, user.name
                live = [h for h, s in rows if user.states[s] != GONE]
                assert live == model.order, f"{user.name}: the queue is not in arrival order"
                capacity, held, waiting = user.counters(owner)
                assert (capacity, held) == (model.capacity, model.held())
                assert held <= capacity
                assert waiting == len(model.order) - model.held()
                if not model.closed:
                    assert held == capacity or waiting == 0, "a place is idle while one waits"

    Queue.__name__ = f"Queue_{user.name.replace(' ', '_')}"
    return Queue


@pytest.mark.parametrize("user_class", [Seats, Places], ids=lambda u: u.name)
def test_the_queue_keeps_its_rule_for_both_users(app, make_user, make_workshop, user_class):
    # Whatever the sequence, places, waiting lists and counters are what the one rule says.
    user = user_class(make_user, make_workshop)
    run_state_machine_as_test(
        machine(user),
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            database=None,  # keep no example database in the working directory
            suppress_health_check=list(HealthCheck),
        ),
    )
