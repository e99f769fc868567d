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
from typing import Any

import sqlalchemy as sa

from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop
from courses.workshops.queries import Place, catalogue, places_of
from lms.accounts.models import Role, User, hash_token
from lms.db import UTCDateTime, db, utcnow
from lms.programmes.models import Programme, ProgrammeMember, ProgrammeRole

from .models import CalendarToken

#: Last-Modified of a feed that has never held anything.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_LIVE = (EnrolmentState.enrolled, EnrolmentState.waitlisted)
_CUTOFF = sa.bindparam("cutoff", type_=UTCDateTime)
#: How far ahead the catalogue feed reaches: a province plans years ahead, and a calendar
#: client copes with a year of public workshops.
HORIZON = timedelta(days=365)
#: How far ahead a coordinator's ``?all=1`` reaches: every workshop, cohort meetings
#: included, is tens of thousands of events a year in a province; a season is an overview.
EVERYTHING_HORIZON = timedelta(days=90)
_UNTIL = sa.bindparam("until", type_=UTCDateTime)


def horizon(ahead: timedelta = HORIZON) -> datetime:
    """The end of a feed's horizon now."""
    return utcnow() + ahead


def _entered(name: str) -> sa.Label:
    """The latest start within the horizon: the horizon reached it at that start minus the
    horizon's length, a change of the feed that no row records (``<name>_entered``)."""
    return sa.func.max(sa.type_coerce(Workshop.starts_at, UTCDateTime)).label(f"{name}_entered")


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


def _summary(name: str, moments: list[Any], included: sa.ColumnElement) -> list[sa.Label]:
    """The aggregates of one kind of row a feed is made of: the latest of each of its change
    times (``<name>_m<i>``), how many are in the feed now (``<name>_count``) and the latest
    start of those the window left behind (``<name>_dropped``)."""
    stale = sa.case((Workshop.starts_at < _CUTOFF, Workshop.starts_at))
    return [
        *(
            sa.func.max(sa.type_coerce(m, UTCDateTime)).label(f"{name}_m{i}")
            for i, m in enumerate(moments)
        ),
        sa.func.coalesce(sa.func.sum(sa.case((included, 1), else_=0)), 0).label(f"{name}_count"),
        sa.func.max(sa.type_coerce(stale, UTCDateTime)).label(f"{name}_dropped"),
    ]


def _feed_state(
    summaries: dict, past: timedelta, *more: datetime, ahead: timedelta = HORIZON
) -> FeedState:
    """Fold the summaries' columns into one FeedState."""
    moments, count = [m for m in more if m is not None], 0
    for key, value in summaries.items():
        kind = key.rsplit("_", 1)[1]
        if kind == "count":
            count += int(value)
        elif value is not None and kind == "dropped":
            moments.append(value + past)
        elif value is not None and kind == "entered":
            moments.append(value - ahead)
        elif value is not None:
            moments.append(value)
    return FeedState(max(moments, default=EPOCH), count)


def _is_live() -> sa.ColumnElement:
    return Enrolment.state.in_(_LIVE)


@functools.cache
def _personal_statement(everything: bool) -> sa.Select:
    """The owner of a token and the summaries of their feed, in one statement."""
    token_hash = sa.bindparam("token_hash", type_=sa.String)
    owner_id = (
        sa.select(CalendarToken.user_id)
        .where(CalendarToken.token_hash == token_hash)
        .scalar_subquery()
    )
    live, in_window = _is_live(), Workshop.starts_at >= _CUTOFF
    waiting = Enrolment.state == EnrolmentState.waitlisted
    places = (
        sa.select(
            *_summary(
                "places",
                [
                    Enrolment.updated_at,  # withdrawals count too
                    sa.case((live, Workshop.calendar_changed_at)),
                    sa.case((waiting, Workshop.updated_at)),  # the queue moved
                ],
                live & in_window,
            )
        )
        .select_from(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Enrolment.user_id == owner_id)
        .subquery()
    )
    teaching = (
        sa.select(*_summary("teaching", [Workshop.calendar_changed_at], in_window))
        .where(Workshop.trainer_id == owner_id)
        .subquery()
    )
    summaries = [places, teaching]
    if everything:
        is_coordinator = sa.exists().where(User.id == owner_id, User.role == Role.coordinator)
        summaries.append(
            sa.select(*_summary("all", [Workshop.calendar_changed_at], in_window), _entered("all"))
            .where(is_coordinator, coordinated_by(owner_id), Workshop.starts_at < _UNTIL)
            .subquery()
        )
    statement = sa.select(
        User.id,
        User.locale,
        User.role,
        CalendarToken.created_at,
        *(c for s in summaries for c in s.c),
    ).join(CalendarToken, CalendarToken.user_id == User.id)
    for summary in summaries:
        statement = statement.join(summary, sa.true())  # one row each
    return statement.where(CalendarToken.token_hash == token_hash)


def coordinated_by(owner_id: Any) -> sa.ColumnElement:
    """The workshops of the programmes ``owner_id`` coordinates (every one for a site
    administrator): what a coordinator's "everything" feed holds, in SQL."""
    return sa.or_(
        sa.exists().where(User.id == owner_id, User.is_admin.is_(True)),
        Workshop.programme_id.in_(
            sa.select(ProgrammeMember.programme_id).where(
                ProgrammeMember.user_id == owner_id,
                ProgrammeMember.role == ProgrammeRole.coordinator,
            )
        ),
    )


def personal_state(
    token: str, cutoff: datetime, past: timedelta, everything: bool
) -> tuple[Owner, FeedState] | None:
    """Who owns ``token`` and the state of their feed (every workshop included when a
    coordinator asks for ``everything``); None for an unknown or replaced token."""
    if not token:
        return None
    until = horizon(EVERYTHING_HORIZON)
    params = {"token_hash": hash_token(token), "cutoff": cutoff, "until": until}
    row = db.session.connection().execute(_personal_statement(everything), params).first()
    if row is None:
        return None
    owner = Owner(row.id, row.locale, row.role is Role.coordinator, row.created_at)
    summaries = dict(row._mapping)
    for key in ("id", "locale", "role", "created_at"):
        del summaries[key]
    return owner, _feed_state(summaries, past, owner.token_created_at, ahead=EVERYTHING_HORIZON)


@functools.cache
def _catalogue_statement(topic: bool, programme: bool = False) -> sa.Select:
    """Two index-only reads (see models.CATALOGUE_INDEX): the window's count and latest
    change, and the latest start the window left behind (of one programme's workshops when
    ``programme``)."""
    public = [Workshop.audience == Audience.public, Workshop.starts_at < _UNTIL]
    if topic:
        public.append(Workshop.topic == sa.bindparam("topic", type_=sa.String))
    if programme:
        slug = sa.bindparam("programme", type_=sa.String)
        public.append(
            Workshop.programme_id
            == sa.select(Programme.id).where(Programme.slug == slug).scalar_subquery()
        )
    window = (
        sa.select(
            sa.func.max(Workshop.calendar_changed_at).label("public_m0"),
            sa.func.count().label("public_count"),
            _entered("public"),
        )
        .where(*public, Workshop.starts_at >= _CUTOFF)
        .subquery()
    )
    dropped = (
        sa.select(Workshop.starts_at)
        .where(*public, Workshop.starts_at < _CUTOFF)
        .order_by(Workshop.starts_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(*window.c, dropped.label("public_dropped"))


def catalogue_state(
    topic: str | None, cutoff: datetime, past: timedelta, programme: str | None = None
) -> FeedState:
    params = {"cutoff": cutoff, "until": horizon()} | ({"topic": topic} if topic else {})
    params |= {"programme": programme} if programme else {}
    statement = _catalogue_statement(bool(topic), bool(programme))
    row = db.session.connection().execute(statement, params).one()
    return _feed_state(dict(row._mapping), past)


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
    until = horizon(EVERYTHING_HORIZON)
    others = (
        _workshops(cutoff, Workshop.starts_at < until, coordinated_by(owner.user_id))
        if everything
        else []
    )
    mine = {p.enrolment.workshop_id for p in places} | {w.id for w in teaching}
    return PersonalFeed(places, teaching, [w for w in others if w.id not in mine])


def _workshops(cutoff: datetime, *where: sa.ColumnElement) -> list[Workshop]:
    query = sa.select(Workshop).where(Workshop.starts_at >= cutoff, *where)
    return list(db.session.scalars(query.order_by(Workshop.starts_at, Workshop.id)))


def public_feed(
    topic: str | None, cutoff: datetime, programme: str | None = None
) -> list[Workshop]:
    return catalogue(
        topic=topic,
        starts_from=cutoff,
        starts_to=horizon(),
        include_cancelled=True,
        programme=programme,
    )


def personal_data(user: User) -> dict[str, Any]:
    """Whether a person has a calendar address (only its hash is kept), for their export."""
    token = token_of(user.id)
    return {"calendar_address_since": token.created_at.isoformat() if token else None}
