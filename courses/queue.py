"""The queue: a capped set of places with a first-come waiting list.

Workshop seats (people) and cohort places (entities) are both this one rule, stated once:

- arriving takes a place if one is free, else waits last: the order of arrival is the queue;
- a freed place goes at once, in the same transaction, to the first one waiting;
- a place given out of turn adds a place when all are taken, and never overbooks;
- the capacity may rise (the new places are filled at once) but not below the places held.

Every change runs under one lock on the queue's owner row (the workshop, the cohort):
:func:`lms.db.begin_write` (``BEGIN IMMEDIATE`` on SQLite), then ``SELECT ... FOR UPDATE`` of
that row alone (PostgreSQL). The counters are read and the decision is made under it. The
database backs the rule: a CHECK keeps ``held <= capacity``, a UNIQUE keeps one entry per
holder and one arrival number per entry. Whoever locks several owners locks them in id order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.db import begin_write, db
from lms.errors import Conflict, DomainError, NotFound, is_id, is_whole


class QueueOwner(Protocol):
    """What a queue's owner row carries (besides its counter of places held)."""

    id: Any
    capacity: Any
    waitlist_count: Any
    #: The last arrival number handed out.
    last_arrival: Any


class QueueEntry(Protocol):
    state: Any
    #: The order of arrival of the latest request: the waiting list's order.
    arrival: Any


Owner = TypeVar("Owner", bound=QueueOwner)
Entry = TypeVar("Entry", bound=QueueEntry)


class Move(enum.Enum):
    """How an entry reached its new state; receivers tell people about it."""

    #: Arrived and took a free place, or arrived last on the waiting list.
    arrived = "arrived"
    #: Was waiting and got a place: freed, added, or given out of turn.
    promoted = "promoted"
    #: Gave the place (or the waiting place) up, or was taken off.
    left = "left"


@dataclass(frozen=True)
class Queue(Generic[Owner, Entry]):
    """One queue: the owner model (capacity and counters) and the entry model (a state and an
    arrival number per holder). ``moved(entry, previous, move)`` is called after each change
    is flushed, under the lock: the owning feature keeps its own bookkeeping and announces.
    """

    owner: type[Owner]
    entry: type[Entry]
    #: The entry's column naming its owner (``Enrolment.workshop_id``) and its holder.
    owner_key: Any
    holder_key: Any
    #: The entry states that hold a place and that wait.
    holds: enum.Enum
    waits: enum.Enum
    #: The owner's counter of places held (``enrolled_count``, ``admitted_count``).
    held_count: str
    #: Shown when the owner does not exist, and when a capacity would fall below the places
    #: held (``%(n)d`` is their number).
    missing: Any
    too_small: Any
    #: The largest capacity, and what is said of one that is not a whole number from 1 to it
    #: (``%(max)d`` is the largest).
    max_capacity: int
    out_of_range: Any
    moved: Callable[[Entry, enum.Enum | None, Move], None]
    #: An owner that gives no more places (a cancelled workshop).
    is_closed: Callable[[Owner], bool] = lambda _owner: False

    # -- the lock ---------------------------------------------------------------------------

    def lock(self, owner_id: Any) -> Owner:
        """The owner, locked for the rest of the transaction; only its row is read (no eager
        joins), so owners that share a trainer or a referent do not queue behind each other."""
        begin_write()
        owner = (
            db.session.get(
                self.owner,
                owner_id,
                with_for_update={"of": self.owner},
                populate_existing=True,
                options=[sa.orm.lazyload("*")],
            )
            if is_id(owner_id)
            else None
        )
        if owner is None:
            raise NotFound(self.missing)
        return owner

    def lock_in_order(self, *owner_ids: int) -> dict[int, Owner]:
        """Several owners, always locked in id order, so two writers cannot deadlock."""
        return {i: self.lock(i) for i in sorted(set(owner_ids))}

    # -- reading under the lock ---------------------------------------------------------------

    def entry_of(self, owner: Owner, holder_id: int) -> Entry | None:
        return db.session.scalar(
            sa.select(self.entry).where(
                self.owner_key == owner.id,
                self.holder_key == holder_id,
            )
        )

    def free(self, owner: Owner) -> int:
        return owner.capacity - self.held(owner)

    def held(self, owner: Owner) -> int:
        return getattr(owner, self.held_count)

    # -- the rule -------------------------------------------------------------------------------

    def arrive(self, owner: Owner, entry: Entry) -> Entry:
        """Take a free place, or wait last. ``entry`` is new, or one that is no longer live."""
        owner.last_arrival += 1
        entry.arrival = owner.last_arrival
        state = self.holds if self.free(owner) > 0 else self.waits
        self._set(owner, entry, state, Move.arrived)
        return entry

    def leave(self, owner: Owner, entry: Entry, state: enum.Enum) -> Entry:
        """Leave the queue in ``state`` (withdrawn, removed, left); a freed place goes to the
        first one waiting."""
        self._set(owner, entry, state, Move.left)
        self.fill(owner)
        return entry

    def fill(self, owner: Owner) -> list[Entry]:
        """Give every free place to the first ones waiting, in arrival order."""
        free = self.free(owner)
        if free <= 0 or owner.waitlist_count == 0 or self.is_closed(owner):
            return []
        first_waiting = list(
            db.session.scalars(
                sa.select(self.entry)
                .where(self.owner_key == owner.id, self.entry.state == self.waits)
                .order_by(self.entry.arrival)
                .limit(free)
            )
        )
        for entry in first_waiting:
            self._set(owner, entry, self.holds, Move.promoted)
        return first_waiting

    def give_place(self, owner: Owner, entry: Entry, on_added: Callable[[int], None]) -> Entry:
        """Seat one waiting entry now, out of turn; when all places are taken one is added for
        it (``on_added(old_capacity)`` is told), never by overbooking."""
        if entry.state is not self.waits:
            raise Conflict(_l("That person is not on the waiting list."), code="not_waiting")
        if self.free(owner) <= 0:
            owner.capacity += 1
            db.session.flush()
            on_added(owner.capacity - 1)
        self._set(owner, entry, self.holds, Move.promoted)
        return entry

    def valid_capacity(self, capacity: Any) -> int:
        """A whole number from 1 to :attr:`max_capacity`, or a 422 that says so."""
        if not is_whole(capacity, 1, self.max_capacity):
            message = self.out_of_range % {"max": self.max_capacity}
            raise DomainError(message, code="invalid_capacity")
        return capacity

    def check_capacity(self, owner: Owner, capacity: Any) -> int:
        """A capacity the owner may take now: valid, and never below the places held."""
        capacity = self.valid_capacity(capacity)
        held = self.held(owner)
        if capacity < held:
            raise Conflict(self.too_small % {"n": held}, code="capacity_below_held")
        return capacity

    # -- the one place where a state and the counters change --------------------------------------

    def _set(self, owner: Owner, entry: Entry, state: enum.Enum, move: Move) -> None:
        previous = entry.state if sa.inspect(entry).persistent else None
        if previous is self.holds:
            setattr(owner, self.held_count, self.held(owner) - 1)
        elif previous is self.waits:
            owner.waitlist_count -= 1
        if state is self.holds:
            setattr(owner, self.held_count, self.held(owner) + 1)
        elif state is self.waits:
            owner.waitlist_count += 1
        entry.state = state
        if not sa.inspect(entry).persistent:
            db.session.add(entry)
        db.session.flush()
        self.moved(entry, previous, move)
