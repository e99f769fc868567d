"""A reminder states the time really left when it is written, not the offset it was due at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses.workshops import operations as workshops
from lms.db import db, utcnow
from lms.notifications.operations import outgoing
from scheduler.notices.operations import enqueue_due_reminders
from tests.notify_fixtures import outbox

pytest_plugins = ["tests.notify_fixtures"]


@pytest.mark.parametrize(
    ("before", "locale", "wording"),
    [
        (timedelta(minutes=63), "en", "your workshop starts in 63 minutes."),
        (timedelta(minutes=63), "es", "tu taller empieza dentro de 63 minutos."),
        (timedelta(hours=23, minutes=50), "en", "your workshop starts in 24 hours."),
        (timedelta(hours=5, minutes=10), "en", "your workshop starts in 5 hours."),
        (timedelta(minutes=1), "en", "your workshop starts in 1 minute."),
    ],
)
def test_a_late_reminder_says_the_time_left(before, locale, wording, app, make_user, make_workshop):
    # The 24-hour reminder of a seat taken 63 minutes before says "in 63 minutes", not
    # "in 24 hours"; hours are rounded to the nearest.
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    workshop = make_workshop(starts_at=start)
    learner = make_user(locale=locale)
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    assert enqueue_due_reminders(start - before) == 1
    [reminder] = [m for m in outbox() if m.kind == "workshop.reminder"]
    assert wording in outgoing(reminder).text
