"""Who hears about what. Called by the receivers of ``courses.signals``, inside the
transaction of the change, so a message is written exactly when its change is."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from courses.workshops.models import (
    Enrolment,
    EnrolmentChange,
    EnrolmentState,
    Workshop,
    WorkshopStatus,
)
from courses.workshops.queries import roster
from lms.db import begin_write, db, is_sqlite, utcnow

from ..links import workshop_page
from .messages import notify
from .models import SentReminder

_E = EnrolmentState
#: Changes nobody needs a message about.
QUIET_FIELDS = frozenset({"capacity", "topic"})


def enrolment_notice(enrolment: Enrolment, previous: EnrolmentState | None, reason) -> None:
    workshop, user = enrolment.workshop, enrolment.user
    if reason is EnrolmentChange.enrolled:
        notify("enrolled", user, workshop, calendar_method="REQUEST", enrolment=enrolment)
    elif reason is EnrolmentChange.promoted:
        notify("promoted", user, workshop, calendar_method="REQUEST", enrolment=enrolment)
    elif reason is EnrolmentChange.waitlisted:
        # A new waiting place is always the last one: its position is the list's length.
        notify("waitlisted", user, workshop, position=workshop.waitlist_count)
    elif reason in (EnrolmentChange.withdrawn, EnrolmentChange.removed):
        method = "CANCEL" if previous is _E.enrolled else ""
        notify(
            reason.value,
            user,
            workshop,
            calendar_method=method,
            enrolment=enrolment,
            was_waiting=previous is _E.waitlisted,
        )


def change_notice(workshop: Workshop, changes: dict, rescheduled: bool) -> None:
    if not changes.keys() - QUIET_FIELDS:
        return
    before = changes["starts_at"][0] if "starts_at" in changes else None
    live = roster(workshop.id)  # people loaded with their places, in one query
    for enrolment in live.enrolled + live.waitlist:
        enrolled = enrolment.state is _E.enrolled
        notify(
            "changed",
            enrolment.user,
            workshop,
            calendar_method="REQUEST" if enrolled else "",
            enrolment=enrolment,
            rescheduled=rescheduled,
            was_waiting=not enrolled,
            **({"before": before} if before else {}),
        )


def cancel_notice(workshop: Workshop, enrolments: list[Enrolment]) -> None:
    for enrolment in enrolments:
        enrolled = enrolment.state is _E.enrolled
        notify(
            "cancelled",
            enrolment.user,
            workshop,
            calendar_method="CANCEL" if enrolled else "",
            enrolment=enrolment,
            was_waiting=not enrolled,
        )


def offer_notice(new: Workshop, original: Workshop, enrolments: list[Enrolment]) -> None:
    """Tell the people waiting for ``original``, in their order, that ``new`` is open to them."""
    for enrolment in enrolments:
        notify(
            "another_date",
            enrolment.user,
            new,
            original_title=original.title,
            offer_url=workshop_page(original),
        )


def _windows() -> list[tuple[int, int]]:
    """(minutes before, until minutes before): a reminder is due inside its window only, so
    someone who enrols an hour before gets the one-hour reminder, not both."""
    offsets = sorted({int(m) for m in current_app.config["REMINDERS"] if int(m) > 0})
    return [(m, offsets[i - 1] if i else 0) for i, m in enumerate(offsets)]


def _due_reminders(now: datetime, minutes: int, until: int):
    sent = sa.exists().where(
        SentReminder.workshop_id == Enrolment.workshop_id,
        SentReminder.user_id == Enrolment.user_id,
        SentReminder.minutes_before == minutes,
        SentReminder.starts_at == Workshop.starts_at,
    )
    return (
        sa.select(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .options(sa.orm.contains_eager(Enrolment.workshop), sa.orm.selectinload(Enrolment.user))
        .where(
            Enrolment.state == _E.enrolled,
            Workshop.status == WorkshopStatus.scheduled,
            Workshop.starts_at > now + timedelta(minutes=until),
            Workshop.starts_at <= now + timedelta(minutes=minutes),
            ~sent,
        )
        .order_by(Workshop.starts_at, Enrolment.id)
    )


def _any_due(now: datetime) -> bool:
    for minutes, until in _windows():
        if db.session.scalar(_due_reminders(now, minutes, until).limit(1)) is not None:
            return True
    return False


def _minutes_left(workshop: Workshop, now: datetime) -> int:
    """The real time left, which the reminder states: a 24-hour reminder that goes out late
    (the worker was down, or the seat was taken 63 minutes before) says "in 63 minutes"."""
    return max(1, round((workshop.starts_at - now).total_seconds() / 60))


def enqueue_due_reminders(now: datetime | None = None) -> int:
    """Enqueue every reminder now due, once, and commit. Safe with several workers: the writes
    are serialised (``BEGIN IMMEDIATE``, or an advisory lock on PostgreSQL) and a UNIQUE key
    backs them."""
    now = now or utcnow()
    if not _any_due(now):
        db.session.rollback()
        return 0
    begin_write()
    if not is_sqlite():
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(0x41756C61)))
    count = 0
    for minutes, until in _windows():
        for enrolment in db.session.scalars(_due_reminders(now, minutes, until)).all():
            workshop = enrolment.workshop
            db.session.add(
                SentReminder(
                    workshop_id=workshop.id,
                    user_id=enrolment.user_id,
                    minutes_before=minutes,
                    starts_at=workshop.starts_at,
                )
            )
            notify(
                "reminder", enrolment.user, workshop, minutes_before=_minutes_left(workshop, now)
            )
            count += 1
    db.session.commit()
    return count
