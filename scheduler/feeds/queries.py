"""Reads for feeds: who owns a token, what a feed holds, and its validators.

A feed's validators (ETag, Last-Modified) come from one aggregate statement over the rows the
feed is made of, so a conditional request is answered without building the calendar. What a
feed shows changes only when one of these moves:

- a workshop's ``calendar_changed_at`` (title, description, times, status; with SEQUENCE);
- a person's enrolment's ``updated_at`` (enrolled, waiting, promoted, withdrawn...);
- for a waiting place, the workshop's ``updated_at``, which moves with every seat taken or
  freed, that is whenever the position in the waiting list may have moved;
- the window: a workshop leaves the feed ``past_days`` after it started, at a moment known
  in advance (its start plus the window), which is counted as a change too.

The two statements are built once per process and run on the session's connection: a
revalidation must cost next to nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop
from courses.workshops.queries import Place, catalogue, places_of
from lms.accounts.models import Role, User, hash_token
from lms.db import UTCDateTime, db

from .models import CalendarToken

#: Last-Modified of a feed that has never held anything.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_LIVE = (EnrolmentState.enrolled, EnrolmentState.waitlisted)
_CUTOFF = sa.bindparam("cutoff", type_=UTCDateTime)


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


def token_of(user_id: int) -> CalendarToken | None:
    return db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user_id))


def _branch(
    changed: sa.ColumnElement,
    waiting_changed: sa.ColumnElement | None,
    included: sa.ColumnElement,
) -> sa.Select:
    """One kind of row a feed is made of: when it changed (and, for a waiting place, when its
    queue moved), whether it is in the feed now, and when its workshop starts."""
    return sa.select(
        sa.type_coerce(changed, UTCDateTime).label("changed"),
        sa.type_coerce(
            waiting_changed if waiting_changed is not None else sa.null(), UTCDateTime
        ).label("waiting_changed"),
        sa.case((included, 1), else_=0).label("included"),
        Workshop.starts_at.label("starts_at"),
    )


def _folded(branches: list[sa.Select]) -> sa.Subquery:
    """The branches' rows folded into one: latest changes, count, latest start left behind."""
    rows = sa.union_all(*branches).subquery()
    stale = sa.case((rows.c.starts_at < _CUTOFF, rows.c.starts_at))
    return sa.select(
        sa.func.max(rows.c.changed).label("changed"),
        sa.func.max(rows.c.waiting_changed).label("waiting_changed"),
        sa.func.coalesce(sa.func.sum(rows.c.included), 0).label("count"),
        sa.func.max(sa.type_coerce(stale, UTCDateTime)).label("dropped"),
    ).subquery()


def _feed_state(row: sa.Row, past: timedelta, *more: datetime) -> FeedState:
    moments = [m for m in (row.changed, row.waiting_changed, *more) if m is not None]
    if row.dropped is not None:
        moments.append(row.dropped + past)
    return FeedState(max(moments, default=EPOCH), int(row.count))


@functools.cache
def _personal_statement() -> sa.Select:
    """The owner of a token and their feed's state, in one statement."""
    token_hash = sa.bindparam("token_hash", type_=sa.String)
    owner_id = (
        sa.select(CalendarToken.user_id)
        .where(CalendarToken.token_hash == token_hash)
        .scalar_subquery()
    )
    live = Enrolment.state.in_(_LIVE)
    in_window = Workshop.starts_at >= _CUTOFF
    places = (
        _branch(
            # the later of the place's and the workshop's change (a withdrawal counts too)
            sa.case(
                (
                    live & (Workshop.calendar_changed_at > Enrolment.updated_at),
                    Workshop.calendar_changed_at,
                ),
                else_=Enrolment.updated_at,
            ),
            sa.case((Enrolment.state == EnrolmentState.waitlisted, Workshop.updated_at)),
            live & in_window,
        )
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Enrolment.user_id == owner_id)
    )
    teaching = _branch(Workshop.calendar_changed_at, None, in_window).where(
        Workshop.trainer_id == owner_id
    )
    everything = _branch(Workshop.calendar_changed_at, None, in_window).where(
        sa.bindparam("everything", type_=sa.Boolean),
        sa.exists().where(User.id == owner_id, User.role == Role.coordinator),
    )
    state = _folded([places, teaching, everything])
    return (
        sa.select(User.id, User.locale, User.role, CalendarToken.created_at, *state.c)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .join(state, sa.true())  # one row
        .where(CalendarToken.token_hash == token_hash)
    )


def personal_state(
    token: str, cutoff: datetime, past: timedelta, everything: bool
) -> tuple[Owner, FeedState] | None:
    """Who owns ``token`` and the state of their feed (every workshop included when a
    coordinator asks for ``everything``); None for an unknown or replaced token."""
    if not token:
        return None
    params = {"token_hash": hash_token(token), "cutoff": cutoff, "everything": everything}
    row = db.session.connection().execute(_personal_statement(), params).first()
    if row is None:
        return None
    owner = Owner(row.id, row.locale, row.role is Role.coordinator, row.created_at)
    return owner, _feed_state(row, past, owner.token_created_at)


@functools.cache
def _catalogue_statement() -> sa.Select:
    topic = sa.bindparam("topic", type_=sa.String)
    public = _branch(Workshop.calendar_changed_at, None, Workshop.starts_at >= _CUTOFF).where(
        Workshop.audience == Audience.public, sa.or_(topic.is_(None), Workshop.topic == topic)
    )
    return sa.select(_folded([public]))


def catalogue_state(topic: str | None, cutoff: datetime, past: timedelta) -> FeedState:
    params = {"topic": topic, "cutoff": cutoff}
    row = db.session.connection().execute(_catalogue_statement(), params).one()
    return _feed_state(row, past)


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
