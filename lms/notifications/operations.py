"""Every way an outbox message changes: enqueued, claimed, sent, retried, failed.

Delivery happens after commit and outside any transaction: a worker *claims* due messages in
one short transaction (a lease and a token on each row), commits, hands them to their channel,
then records each outcome in a new short transaction that only the lease's holder may write.
A worker killed mid-delivery leaves a lease that expires; the next worker takes the message.

Claims are safe with any number of workers: on PostgreSQL the due rows are read with
``FOR UPDATE SKIP LOCKED``, on SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction
(:func:`lms.db.begin_write`); on both the UPDATE re-checks the row is still free.

A message is enqueued either as facts (:func:`enqueue_facts`: a compact record written under
the caller's lock, rendered by the worker after its claim has committed, see
:mod:`lms.notifications.render`) or already rendered (:func:`enqueue`).

Inside :func:`batched`, facts whose family renders digests are held back until the operation
ends, then written grouped: one message per recipient and digest group (several facts become
one *digest*, ``{"to_name", "digest": [{"kind", "facts"}, ...]}``, kinds in full, named after
its first; a lone fact is written as it would have been outside the batch). Families that
share a digest group (a cohort place and the invitations it brings) must render each other's
items: the renderer of the first item's family renders the digest.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.db import begin_write, db, rows_changed, utcnow
from lms.errors import Conflict, NotFound
from lms.links import site_host
from lms.plugins.notify import OutgoingMessage

from . import render
from .models import OutboxMessage, OutboxStatus

_S = OutboxStatus


_muted: ContextVar[bool] = ContextVar("aula_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Nobody hears of what happens inside: for loading the demo's fictional programme."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


@dataclass
class _Held:
    """A fact held back by :func:`batched`, to be written with the others of its group."""

    kind: str
    to_address: str
    to_name: str
    recipient_id: int | None
    facts: dict[str, Any]
    leads: bool = False


@dataclass
class _Batch:
    groups: dict[tuple[Any, ...], list[_Held]] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("aula_notifications_batch", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """One operation that touches many workshops of one person (a cohort's admission, a new
    mentor...) tells each person once: the facts recorded inside are grouped per recipient
    and digest group when the block ends (before the caller commits; nothing is rendered),
    and each group is written as one message. Nested blocks join the outer one. If the block
    raises, nothing held is written (the caller rolls back). Usable as a decorator."""
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    for held in batch.groups.values():
        _write_group(held)


def _write_group(held: list[_Held]) -> None:
    held = sorted(held, key=lambda h: not h.leads)  # stable: leads first, each in its order
    first = held[0]
    if len(held) == 1:
        payload: dict[str, Any] = {"to_name": first.to_name, "facts": first.facts}
        kind = first.kind
    else:  # named after its first item: its lead (a cohort place, say), else the first raised
        kind = first.kind
        payload = {
            "to_name": first.to_name,
            "digest": [{"kind": h.kind, "facts": h.facts} for h in held],
        }
    _add(kind, first.to_address, first.recipient_id, payload)


def enqueue(
    kind: str,
    *,
    to_address: str,
    subject: str,
    text: str,
    html: str = "",
    to_name: str = "",
    recipient_id: int | None = None,
    calendar: str = "",
    calendar_method: str = "",
) -> OutboxMessage | None:
    """Add a message to the caller's session, to commit (or roll back) with its change.

    Inside :func:`muted`, nothing is added and None is returned.
    """
    if is_muted():
        return None
    payload = {
        "to_name": to_name,
        "subject": subject,
        "text": text,
        "html": html,
        "calendar": calendar,
        "calendar_method": calendar_method,
    }
    return _add(kind, to_address, recipient_id, payload)


def enqueue_facts(
    kind: str,
    *,
    to_address: str,
    facts: dict[str, Any],
    to_name: str = "",
    recipient_id: int | None = None,
    digest_group: str = "",
    leads: bool = False,
) -> OutboxMessage | None:
    """Add a message as the facts it states (JSON values), to commit with its change; the
    renderer registered for ``kind``'s family writes it when it is delivered. Nothing is
    rendered here, so a caller holding a lock holds it for the record alone.

    Inside :func:`batched`, when the family renders digests, the fact is held back (None is
    returned) and written with the others of its group (``digest_group``: facts of one
    recipient and group become one message; default: its kind) when the batch ends; a fact
    that ``leads`` (what the operation is about, such as a cohort place) heads its digest,
    which is named after it, wherever it was raised in the operation."""
    if is_muted():
        return None
    batch = _batch.get()
    if batch is not None and render.digests(kind):
        key = (recipient_id, to_address, digest_group or kind)
        held = _Held(kind, to_address, to_name, recipient_id, facts, leads)
        batch.groups.setdefault(key, []).append(held)
        return None
    return _add(kind, to_address, recipient_id, {"to_name": to_name, "facts": facts})


def _add(
    kind: str, to_address: str, recipient_id: int | None, payload: dict[str, Any]
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        channel="email",
        recipient_id=recipient_id,
        recipient_address=to_address,
        payload=payload,
        status=_S.pending,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.info["outbox_enqueued"] = True
    return message


def _due(now: datetime, due_by: datetime | None = None) -> sa.ColumnElement[bool]:
    """Pending, due by ``due_by`` (default: now), and held by no live lease."""
    free = sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    return sa.and_(
        OutboxMessage.status == _S.pending,
        OutboxMessage.next_attempt_at <= (due_by or now),
        free,
    )


def has_due(due_by: datetime | None = None) -> bool:
    """A cheap read, so an idle worker never takes the write lock."""
    found = db.session.scalar(sa.select(OutboxMessage.id).where(_due(utcnow(), due_by)).limit(1))
    db.session.rollback()
    return found is not None


@dataclass(frozen=True)
class Claimed:
    """A claimed message as read in its claim, for rendering after the claim commits."""

    id: int
    kind: str
    recipient_address: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Claim:
    token: str
    messages: list[tuple[str, Claimed]]  # (channel, message)
    #: When the leases were taken; they last OUTBOX_LEASE_SECONDS from then.
    at: datetime

    def needs_renewal(self) -> bool:
        """Past half its lease, a claim renews each message before sending it."""
        lease = current_app.config["OUTBOX_LEASE_SECONDS"]
        return utcnow() - self.at > timedelta(seconds=lease / 2)


def claim_due(limit: int, due_by: datetime | None = None) -> Claim:
    """Lease up to ``limit`` messages due by ``due_by`` to this worker, and commit.

    A pass gives its own start as ``due_by``, so a message that fails in it and is due again
    at once (no backoff) waits for the next pass instead of being hammered."""
    now = utcnow()
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    begin_write()
    _give_up_abandoned(now)
    ids = list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(_due(now, due_by))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _due(now, due_by))
            .values(
                claimed_until=now + lease,
                claim_token=token,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.claim_token == token)
        .order_by(OutboxMessage.id)
    ).all()
    claimed = [
        (m.channel, Claimed(m.id, m.kind, m.recipient_address, m.payload, m.created_at))
        for m in rows
    ]
    db.session.commit()  # rendering waits for the delivery, outside the claim's lock
    return Claim(token, claimed, now)


def _give_up_abandoned(now: datetime) -> None:
    """A message whose last allowed attempt was cut short (its worker died) ends as failed."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            _due(now),
            OutboxMessage.claim_token.is_not(None),
            OutboxMessage.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"],
        )
        .values(
            status=_S.failed,
            claimed_until=None,
            claim_token=None,
            last_error="The worker stopped during every attempt.",
        )
        .execution_options(synchronize_session=False)
    )


def message_id(message: render.Record) -> str:
    """The e-mail Message-ID: the same for every attempt, so a resend after a crash between
    hand-over and bookkeeping is recognisable as the same message."""
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<outbox-{message.id}-{stamp}@{site_host()}>"


def outgoing(message: render.Record) -> OutgoingMessage:
    """The message ready to send: rendered from its facts, or as it was enqueued."""
    made = render.render(message)
    return OutgoingMessage(
        id=message.id,
        kind=message.kind,
        message_id=message_id(message),
        to_address=message.recipient_address,
        to_name=message.payload.get("to_name", ""),
        subject=made.subject,
        text=made.text,
        html=made.html,
        calendar=made.calendar,
        calendar_method=made.calendar_method,
    )


def _held(message_id: int, token: str) -> sa.ColumnElement[bool]:
    return sa.and_(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)


def renew(message_id: int, token: str) -> bool:
    """Extend the lease just before sending; False if it was lost (expired and taken), in
    which case this worker must not send. So a long batch never outlives its leases."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    begin_write()
    held = rows_changed(
        sa.update(OutboxMessage)
        .where(_held(message_id, token), OutboxMessage.claimed_until > now)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(held)


def record_sent(message_id: int, token: str) -> bool:
    """Mark a delivered message sent, in its own transaction; False if the lease was lost."""
    begin_write()
    done = rows_changed(
        sa.update(OutboxMessage)
        .where(_held(message_id, token))
        .values(
            status=_S.sent,
            delivered_at=utcnow(),
            claimed_until=None,
            claim_token=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(done)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1 min, 5 min, 30 min, 2 h... by default."""
    steps = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    return timedelta(seconds=steps[min(attempts, len(steps)) - 1])


def record_failure(message_id: int, token: str, error: str, *, permanent: bool = False) -> bool:
    """Schedule the next attempt, or give up after the last one; False if the lease was lost."""
    begin_write()
    message = db.session.scalar(sa.select(OutboxMessage).where(_held(message_id, token)))
    if message is None:
        db.session.rollback()
        return False
    message.last_error = error[:2000]
    message.claimed_until = None
    message.claim_token = None
    if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = _S.failed
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
    db.session.commit()
    return True


def retry(message_id: int) -> OutboxMessage:
    """A coordinator sends a failed message again: a fresh set of attempts, due now."""
    begin_write()
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(_l("There is no such message."))
    if message.status is not _S.failed:
        raise Conflict(_l("Only a failed message can be retried."), code="not_failed")
    message.status = _S.pending
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.info["outbox_enqueued"] = True
    return message


def forget_recipient(user_id: int) -> None:
    """A closed account's messages: those not sent yet are dropped, the rest keep only their
    kind, status and dates (no address, no text)."""
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.recipient_id == user_id, OutboxMessage.status != OutboxStatus.sent
        )
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient_id == user_id)
        .values(recipient_address="", payload={}, last_error=None)
        .execution_options(synchronize_session=False)
    )


def prune_messages(*, sent_before: datetime, failed_before: datetime, limit: int) -> int:
    """Delete at most ``limit`` messages past their time: sent before ``sent_before``, or
    failed for good (not retried) and last tried before ``failed_before``. How many went.

    Nothing else reads an old message: reminders and check-in notices remember what was sent
    in their own tables, and the reports count seats and attendance, not mail."""
    begin_write()
    old = (
        sa.select(OutboxMessage.id)
        .where(
            sa.or_(
                sa.and_(OutboxMessage.status == _S.sent, OutboxMessage.delivered_at < sent_before),
                sa.and_(
                    OutboxMessage.status == _S.failed,
                    OutboxMessage.next_attempt_at < failed_before,
                ),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    return rows_changed(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
