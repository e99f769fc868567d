"""Who hears about what. Called by the receivers of ``courses.signals``, inside the
transaction of the change, so a message is written exactly when its change is."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from courses.advice.models import Consultation, ConsultationState
from courses.workshops.models import (
    Enrolment,
    EnrolmentChange,
    EnrolmentState,
    Workshop,
    WorkshopStatus,
)
from courses.workshops.queries import roster
from lms.accounts.models import User
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


def _reminded():
    """Who is reminded of a workshop: everyone holding a seat, and the advisor of a booked
    consultation (its trainer, who holds no seat); as ``(workshop_id, user_id)`` rows."""
    seated = sa.select(Enrolment.workshop_id, Enrolment.user_id).where(
        Enrolment.state == _E.enrolled
    )
    advising = sa.select(Consultation.workshop_id, Consultation.advisor_id).where(
        Consultation.state == ConsultationState.booked
    )
    return sa.union_all(seated, advising).subquery("reminded")


def _due_reminders(now: datetime, minutes: int, until: int):
    reminded = _reminded()
    sent = sa.exists().where(
        SentReminder.workshop_id == reminded.c.workshop_id,
        SentReminder.user_id == reminded.c.user_id,
        SentReminder.minutes_before == minutes,
        SentReminder.starts_at == Workshop.starts_at,
    )
    return (
        sa.select(Workshop, User)
        .join(reminded, reminded.c.workshop_id == Workshop.id)
        .join(User, User.id == reminded.c.user_id)
        .where(
            Workshop.status == WorkshopStatus.scheduled,
            Workshop.starts_at > now + timedelta(minutes=until),
            Workshop.starts_at <= now + timedelta(minutes=minutes),
            ~sent,
        )
        .order_by(Workshop.starts_at, Workshop.id, User.id)
    )


def _any_due(now: datetime) -> bool:
    for minutes, until in _windows():
        if db.session.execute(_due_reminders(now, minutes, until).limit(1)).first() is not None:
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
        for workshop, user in db.session.execute(_due_reminders(now, minutes, until)).all():
            db.session.add(
                SentReminder(
                    workshop_id=workshop.id,
                    user_id=user.id,
                    minutes_before=minutes,
                    starts_at=workshop.starts_at,
                )
            )
            notify("reminder", user, workshop, minutes_before=_minutes_left(workshop, now))
            count += 1
    db.session.commit()
    return count
