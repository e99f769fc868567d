"""Notices: everyone whose plans change hears about it, with an invitation their calendar
understands, and is reminded before the workshop starts."""

from __future__ import annotations

from flask import Flask

from courses import signals as courses_signals
from lms.notifications import render
from lms.notifications.operations import is_muted
from lms.notifications.worker import worker_pass

from . import (
    advice,
    cohorts,
    models,  # noqa: F401  (its table belongs to the schema)
    operations,
)
from .digest import CohortNotices, WorkshopNotices


def _on_enrolment_changed(enrolment, *, previous, reason, **_kwargs) -> None:
    if not is_muted():  # skip the rendering too, not only the message
        operations.enrolment_notice(enrolment, previous, reason)


def _on_workshop_changed(workshop, *, changes, rescheduled, **_kwargs) -> None:
    if not is_muted():
        operations.change_notice(workshop, changes, rescheduled)


def _on_workshop_cancelled(workshop, *, enrolments, **_kwargs) -> None:
    if not is_muted():
        operations.cancel_notice(workshop, enrolments)


def _on_checkin_missing(place, *, week, **_kwargs) -> None:
    if not is_muted():
        cohorts.checkin_missing_notice(place, week)


def _on_cohort_place_changed(place, *, previous, reason, **_kwargs) -> None:
    if not is_muted():
        cohorts.place_notice(place, previous, reason)


def _on_mentor_assigned(place, *, previous, **_kwargs) -> None:
    if not is_muted():
        cohorts.mentor_notice(place, previous)


def _on_another_date_offered(workshop, *, original, enrolments, **_kwargs) -> None:
    if not is_muted():
        operations.offer_notice(workshop, original, enrolments)


def _on_consultation_changed(consultation, *, change, **_kwargs) -> None:
    if not is_muted():
        advice.advisor_notice(consultation, change)


def _on_worker_pass(_app, **_kwargs) -> None:
    operations.enqueue_due_reminders()


def _on_worker_pass_checkins(_app, **_kwargs) -> None:
    cohorts.enqueue_missing_checkins()


def init_app(app: Flask) -> None:
    #: Reminders, in minutes before the start.
    app.config.setdefault("REMINDERS", [1440, 60])
    render.register(app, "workshop", WorkshopNotices())
    render.register(app, "cohort", CohortNotices())
    render.register(app, "advice", advice.AdviceMessages())
    courses_signals.enrolment_changed.connect(_on_enrolment_changed, weak=False)
    courses_signals.workshop_changed.connect(_on_workshop_changed, weak=False)
    courses_signals.workshop_cancelled.connect(_on_workshop_cancelled, weak=False)
    courses_signals.another_date_offered.connect(_on_another_date_offered, weak=False)
    courses_signals.checkin_missing.connect(_on_checkin_missing, weak=False)
    courses_signals.cohort_place_changed.connect(_on_cohort_place_changed, weak=False)
    courses_signals.mentor_assigned.connect(_on_mentor_assigned, weak=False)
    courses_signals.consultation_changed.connect(_on_consultation_changed, weak=False)
    worker_pass.connect(_on_worker_pass, weak=False)
    worker_pass.connect(_on_worker_pass_checkins, weak=False)
