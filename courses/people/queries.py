"""Reads for the people pages: the list and search, a person's enrolments and history, the
workshops someone may be enrolled in or moved to. Constant queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop, WorkshopStatus
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.pagination import Window

from . import permissions
from .models import PeopleImport, StaffAction

_LIVE = (EnrolmentState.enrolled, EnrolmentState.waitlisted)


@dataclass(frozen=True)
class Listed:
    person: User
    #: Enrolled or waiting, in workshops still to come.
    live: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search(staff: Any, text: str, window: Window) -> list[Listed]:
    """One page of the people ``staff`` manages whose name or address holds ``text``, by name,
    each with how many live enrolments they hold: one query."""
    live = (
        sa.select(sa.func.count(Enrolment.id))
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(
            Enrolment.user_id == User.id,
            Enrolment.state.in_(_LIVE),
            Workshop.starts_at >= utcnow(),
        )
        .correlate(User)
        .scalar_subquery()
    )
    query = permissions.manageable(staff).add_columns(live)
    text = text.strip()
    if text:
        pattern = _like(text)
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    query = query.order_by(User.name, User.id)
    return [Listed(person, count or 0) for person, count in db.session.execute(window.apply(query))]


def enrolments_of(person: User) -> list[Enrolment]:
    """Every enrolment of ``person``, latest workshop first, with its workshop."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Workshop, Workshop.id == Enrolment.workshop_id)
            .where(Enrolment.user_id == person.id)
            .options(selectinload(Enrolment.workshop))
            .order_by(Workshop.starts_at.desc(), Enrolment.id)
        )
    )


def open_workshops() -> list[Workshop]:
    """Public workshops still to come and not cancelled, of the programmes the person asking
    coordinates: where they may enrol someone."""
    from lms.programmes.permissions import scope_for

    return list(
        db.session.scalars(
            sa.select(Workshop)
            .where(
                scope_for(Workshop.programme_id),
                Workshop.audience == Audience.public,
                Workshop.status == WorkshopStatus.scheduled,
                Workshop.starts_at > utcnow(),
            )
            .order_by(Workshop.starts_at, Workshop.id)
            .limit(500)
        )
    )


def other_dates(workshops: list[Workshop], dates: list[Workshop]) -> dict[int, list[Workshop]]:
    """For each of ``workshops``, the ``dates`` (open workshops) of its topic."""
    return {w.id: [d for d in dates if d.is_another_date_of(w)] for w in workshops}


def history(person: User, limit: int = 50) -> list[StaffAction]:
    """What staff did on ``person``'s behalf, newest first."""
    return list(
        db.session.scalars(
            sa.select(StaffAction)
            .where(StaffAction.person_id == person.id)
            .options(selectinload(StaffAction.staff))
            .order_by(StaffAction.id.desc())
            .limit(limit)
        )
    )


def pending_import(import_id: str, staff: Any, *, lock: bool = False) -> PeopleImport | None:
    """``staff``'s import of that id, still to confirm and not expired; with ``lock``, its
    row locked for the transaction (PostgreSQL; SQLite's write transaction is one already),
    so that two confirmations of one file write it once."""
    if not import_id or len(import_id) > 43:
        return None
    query = sa.select(PeopleImport).where(
        PeopleImport.id == import_id,
        PeopleImport.staff_id == staff.id,
        PeopleImport.confirmed_at.is_(None),
        PeopleImport.expires_at > utcnow(),
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def existing_emails(emails: list[str]) -> dict[str, int]:
    """Of ``emails``, those with an account, and its id (read a thousand at a time)."""
    found: dict[str, int] = {}
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        query = sa.select(User.email, User.id).where(User.email.in_(chunk))
        found.update((email, user_id) for email, user_id in db.session.execute(query))
    return found


def workshops_by_id(ids: set[int]) -> dict[int, Workshop]:
    if not ids:
        return {}
    return {w.id: w for w in db.session.scalars(sa.select(Workshop).where(Workshop.id.in_(ids)))}


def personal_data(user: User) -> list[dict[str, Any]]:
    """What staff did on a person's behalf, for their export (lms.accounts.personal): what,
    when, about which workshop. Who did it is a staff member's name, not the person's data."""
    rows = db.session.scalars(
        sa.select(StaffAction).where(StaffAction.person_id == user.id).order_by(StaffAction.id)
    )
    return [
        {"at": a.at.isoformat(), "what": a.kind.value, "workshop_id": a.workshop_id,
         "detail": a.detail}
        for a in rows
    ]  # fmt: skip
