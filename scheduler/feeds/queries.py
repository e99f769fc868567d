"""Reads for feeds: who owns a token, what a feed holds, and its validators.

A feed's validators (ETag, Last-Modified) come from one aggregate query over the rows the feed
is made of, so a conditional request is answered without building the calendar. What a feed
shows changes only when one of these moves:

- a workshop's ``calendar_changed_at`` (title, description, times, status; with SEQUENCE);
- a person's enrolment's ``updated_at`` (enrolled, waiting, promoted, withdrawn...);
- for a waiting place, the workshop's ``updated_at``, which moves with every seat taken or
  freed, that is whenever the position in the waiting list may have moved;
- the window: a workshop leaves the feed ``past_days`` after it started, at a moment known
  in advance (its start plus the window), which is counted as a change too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop
from courses.workshops.queries import Place, catalogue, places_of
from lms.accounts.models import User, hash_token
from lms.db import UTCDateTime, db

from .models import CalendarToken

#: Last-Modified of a feed that has never held anything.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_LIVE = (EnrolmentState.enrolled, EnrolmentState.waitlisted)


@dataclass(frozen=True)
class Owner:
    """The person a feed token belongs to, as much as a feed needs."""

    user_id: int
    locale: str
    is_coordinator: bool
    token_created_at: datetime


@dataclass(frozen=True)
class FeedState:
    """When a feed last changed and how many events it holds."""

    last_modified: datetime
    count: int


def owner_of(token: str) -> Owner | None:
    if not token:
        return None
    row = db.session.execute(
        sa.select(User.id, User.locale, User.role, CalendarToken.created_at)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user_id, locale, role, created_at = row
    return Owner(user_id, locale, role.value == "coordinator", created_at)


def token_of(user_id: int) -> CalendarToken | None:
    return db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user_id))


def _state(branches: list[sa.Select], cutoff: datetime, past: timedelta) -> FeedState:
    """Fold the rows of a feed's branches (``changed``, ``waiting_changed``, ``included``,
    ``starts_at``) into a FeedState, in one query."""
    rows = sa.union_all(*branches).subquery()
    stale = sa.case((rows.c.starts_at < cutoff, rows.c.starts_at))
    changed, waiting, count, dropped = db.session.execute(
        sa.select(
            sa.func.max(rows.c.changed),
            sa.func.max(rows.c.waiting_changed),
            sa.func.coalesce(sa.func.sum(rows.c.included), 0),
            sa.func.max(sa.type_coerce(stale, UTCDateTime)),
        )
    ).one()
    moments = [m for m in (changed, waiting) if m is not None]
    if dropped is not None:
        moments.append(dropped + past)
    return FeedState(max(moments, default=EPOCH), int(count))


def _branch(
    changed: sa.ColumnElement,
    waiting_changed: sa.ColumnElement | None,
    included: sa.ColumnElement,
) -> sa.Select:
    return sa.select(
        sa.type_coerce(changed, UTCDateTime).label("changed"),
        sa.type_coerce(
            waiting_changed if waiting_changed is not None else sa.null(), UTCDateTime
        ).label("waiting_changed"),
        sa.case((included, 1), else_=0).label("included"),
        Workshop.starts_at.label("starts_at"),
    )


def personal_state(owner: Owner, cutoff: datetime, past: timedelta, everything: bool) -> FeedState:
    live = Enrolment.state.in_(_LIVE)
    waiting = Enrolment.state == EnrolmentState.waitlisted
    places = (
        _branch(
            # max(enrolment change, workshop change) for live places; a withdrawal counts too
            sa.case(
                (
                    live & (Workshop.calendar_changed_at > Enrolment.updated_at),
                    Workshop.calendar_changed_at,
                ),
                else_=Enrolment.updated_at,
            ),
            sa.case((waiting, Workshop.updated_at)),
            live & (Workshop.starts_at >= cutoff),
        )
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Enrolment.user_id == owner.user_id)
    )
    teaching = _branch(Workshop.calendar_changed_at, None, Workshop.starts_at >= cutoff).where(
        Workshop.trainer_id == owner.user_id
    )
    branches = [places, teaching]
    if everything:
        branches.append(_branch(Workshop.calendar_changed_at, None, Workshop.starts_at >= cutoff))
    state = _state(branches, cutoff, past)
    return FeedState(max(state.last_modified, owner.token_created_at), state.count)


def catalogue_state(topic: str | None, cutoff: datetime, past: timedelta) -> FeedState:
    public = _branch(Workshop.calendar_changed_at, None, Workshop.starts_at >= cutoff).where(
        Workshop.audience == Audience.public
    )
    if topic:
        public = public.where(Workshop.topic == topic)
    return _state([public], cutoff, past)


@dataclass(frozen=True)
class PersonalFeed:
    places: list[Place]
    teaching: list[Workshop]
    others: list[Workshop]


def personal_feed(owner: Owner, cutoff: datetime, everything: bool) -> PersonalFeed:
    """A person's places (waiting ones with their position), what they teach and, for a
    coordinator who asks, every other workshop: three queries whatever the number of events."""
    places = places_of(owner.user_id, live_only=True, starts_from=cutoff)
    teaching = _workshops(cutoff, Workshop.trainer_id == owner.user_id)
    others = _workshops(cutoff) if everything else []
    mine = {p.enrolment.workshop_id for p in places} | {w.id for w in teaching}
    return PersonalFeed(places, teaching, [w for w in others if w.id not in mine])


def _workshops(cutoff: datetime, *where: sa.ColumnElement) -> list[Workshop]:
    query = sa.select(Workshop).where(Workshop.starts_at >= cutoff, *where)
    return list(db.session.scalars(query.order_by(Workshop.starts_at, Workshop.id)))


def public_feed(topic: str | None, cutoff: datetime) -> list[Workshop]:
    return catalogue(topic=topic, starts_from=cutoff, include_cancelled=True)
