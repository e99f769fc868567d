"""Reads about programmes and who holds which role in them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import db
from lms.errors import DomainError

from .models import Programme, ProgrammeMember, ProgrammeRole


def get_programme(programme_id: int) -> Programme | None:
    return db.session.get(Programme, programme_id)


def programme_name(programme_id: int | None) -> str:
    """The name a message about something of this programme is signed with ("" for none)."""
    programme = get_programme(programme_id) if programme_id is not None else None
    return programme.name if programme is not None else ""


@dataclass(frozen=True)
class Holidays:
    """Days of no meeting: ``(month, day)`` every year and dates once."""

    yearly: frozenset[tuple[int, int]]
    once: frozenset[date]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and ((day.month, day.day) in self.yearly or day in self.once)


def parse_holidays(text: str) -> Holidays:
    """``MM-DD`` and ``YYYY-MM-DD`` separated by spaces or commas; anything else is refused
    with the entry named."""
    yearly, once = set(), set()
    for entry in text.replace(",", " ").split():
        try:
            if len(entry) == 5:
                month, day = (int(part) for part in entry.split("-"))
                date(2024, month, day)  # a leap year: 02-29 is a day
                yearly.add((month, day))
            else:
                once.add(date.fromisoformat(entry))
        except ValueError:
            raise DomainError(
                _l("“%(entry)s” is not a day: write MM-DD (every year) or YYYY-MM-DD.",
                   entry=entry[:20]),
                code="bad_holiday",
            ) from None  # fmt: skip
    return Holidays(frozenset(yearly), frozenset(once))


def holidays_of(programme: Programme | None) -> Holidays:
    """The programme's days of no meeting, or the site's when it names none."""
    own = programme.holidays if programme is not None else ""
    return parse_holidays(own or current_app.config["HOLIDAYS"])


def by_slug(slug: str) -> Programme | None:
    return db.session.scalar(sa.select(Programme).where(Programme.slug == slug))


def all_programmes() -> list[Programme]:
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.id)))


def first_programme() -> Programme | None:
    """The programme made first: the one existing data moved into, and where objects made
    without naming one (the CLI, the demo's older parts, tests) go."""
    return db.session.scalar(sa.select(Programme).order_by(Programme.id).limit(1))


def programmes_by_id(ids: Iterable[int]) -> list[Programme]:
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.session.scalars(sa.select(Programme).where(Programme.id.in_(ids)).order_by(Programme.id))
    )


def roles_of(user_id: int) -> dict[int, frozenset[ProgrammeRole]]:
    """Every programme the person holds a role in, with those roles, in one query."""
    found: dict[int, set[ProgrammeRole]] = defaultdict(set)
    rows = db.session.execute(
        sa.select(ProgrammeMember.programme_id, ProgrammeMember.role).where(
            ProgrammeMember.user_id == user_id
        )
    )
    for programme_id, role in rows:
        found[programme_id].add(role)
    return {pid: frozenset(roles) for pid, roles in found.items()}


def all_programme_ids() -> frozenset[int]:
    return frozenset(db.session.scalars(sa.select(Programme.id)))


def people_with_role(programme_ids: Iterable[int], *roles: ProgrammeRole) -> list[User]:
    """The people holding one of ``roles`` in any of ``programme_ids``, by name."""
    ids = list(programme_ids)
    if not ids:
        return []
    holders = sa.select(ProgrammeMember.user_id).where(
        ProgrammeMember.programme_id.in_(ids), ProgrammeMember.role.in_(roles)
    )
    return list(
        db.session.scalars(sa.select(User).where(User.id.in_(holders)).order_by(User.name, User.id))
    )


def membership(programme_id: int, user_id: int, role: ProgrammeRole) -> ProgrammeMember | None:
    return db.session.scalar(
        sa.select(ProgrammeMember).where(
            ProgrammeMember.programme_id == programme_id,
            ProgrammeMember.user_id == user_id,
            ProgrammeMember.role == role,
        )
    )
