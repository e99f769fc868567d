"""Random sequences of enrol, withdraw, capacity change and cancel, on the real database,
against a plain model of the rules: the database must always agree with the model."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from courses.workshops import operations
from courses.workshops.models import Enrolment, Workshop
from lms.db import db
from lms.errors import DomainError

PEOPLE = 6


class Model:
    """The rules in a few lines: a queue by arrival, a capacity, a cancelled flag."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.cancelled = False
        self.state: dict[int, str] = {}
        self.order: list[int] = []  # live people, by arrival

    def enrolled(self) -> int:
        return sum(self.state[u] == "enrolled" for u in self.order)

    def promote(self) -> None:
        if self.cancelled:
            return
        for u in self.order:
            if self.state[u] == "waitlisted" and self.enrolled() < self.capacity:
                self.state[u] = "enrolled"

    def enrol(self, u: int) -> bool:
        if u in self.order:
            return True
        if self.cancelled:
            return False
        self.state[u] = "enrolled" if self.enrolled() < self.capacity else "waitlisted"
        self.order.append(u)
        return True

    def withdraw(self, u: int) -> bool:
        if u not in self.order:
            return False
        self.order.remove(u)
        self.state[u] = "withdrawn"
        self.promote()
        return True

    def set_capacity(self, n: int) -> bool:
        if self.cancelled or n < self.enrolled():
            return False
        self.capacity = n
        self.promote()
        return True


def test_random_sequences_keep_the_rules(app, make_user, make_workshop):
    # Whatever the sequence, seats, waiting places and counters are what the rules say.
    people = [make_user() for _ in range(PEOPLE)]

    class Seats(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.workshop_id = make_workshop(capacity=2).id
            self.model = Model(2)

        def _apply(self, expected_ok: bool, change) -> None:
            try:
                change()
            except DomainError:
                db.session.rollback()
                assert not expected_ok, "refused a change the rules allow"
                return
            db.session.commit()
            assert expected_ok, "allowed a change the rules refuse"

        @rule(who=st.integers(0, PEOPLE - 1))
        def enrol(self, who):
            ok = self.model.enrol(who)
            self._apply(ok, lambda: operations.enrol(self.workshop_id, people[who]))

        @rule(who=st.integers(0, PEOPLE - 1))
        def withdraw(self, who):
            ok = self.model.withdraw(who)
            self._apply(ok, lambda: operations.withdraw(self.workshop_id, people[who].id))

        @rule(capacity=st.integers(1, 5))
        def change_capacity(self, capacity):
            ok = self.model.set_capacity(capacity)
            self._apply(ok, lambda: operations.update_workshop(self.workshop_id, capacity=capacity))

        @rule()
        def cancel(self):
            self.model.cancelled = True
            self._apply(True, lambda: operations.cancel_workshop(self.workshop_id))

        @invariant()
        def database_agrees(self):
            db.session.rollback()
            rows = db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.state)
                .where(Enrolment.workshop_id == self.workshop_id)
                .order_by(Enrolment.arrival)
            ).all()
            ids = {p.id: i for i, p in enumerate(people)}
            assert {ids[u]: s.value for u, s in rows} == self.model.state
            assert [ids[u] for u, s in rows if s.is_live] == self.model.order
            workshop = db.session.get(Workshop, self.workshop_id, populate_existing=True)
            assert workshop.capacity == self.model.capacity
            assert workshop.enrolled_count == self.model.enrolled() <= workshop.capacity
            assert workshop.waitlist_count == len(self.model.order) - self.model.enrolled()

    run_state_machine_as_test(
        Seats,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            database=None,  # keep no example database in the working directory
            suppress_health_check=list(HealthCheck),
        ),
    )
