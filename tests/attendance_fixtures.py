"""Fixtures for the attendance and report tests: workshops that have already taken place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from lms.db import db, utcnow


@pytest.fixture
def make_held_workshop(make_workshop, make_user) -> Callable[..., Any]:
    """``make_held_workshop(seated=3, waiting=1, starts_at=...)``: a workshop that has started.

    People enrol while it is still ahead (through the real operations), then it is moved to
    its past date: ``(workshop, seated_people, waiting_people)``.
    """
    from courses.workshops import operations

    def make(
        *,
        seated: int | list = 3,
        waiting: int = 0,
        capacity: int | None = None,
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        **extra: Any,
    ):
        people = seated if isinstance(seated, list) else [make_user() for _ in range(seated)]
        waiters = [make_user() for _ in range(waiting)]
        workshop = make_workshop(capacity=capacity or len(people) or 1, **extra)
        for person in [*people, *waiters]:
            operations.enrol(workshop.id, person)
        starts_at = starts_at or (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
        operations.update_workshop(workshop.id, starts_at=starts_at, ends_at=starts_at + duration)
        db.session.commit()
        return workshop, people, waiters

    return make
