"""Retention: what Aula deletes once it is past its time, with the periods in the config.

``flask --app lms prune`` runs it once; the delivery worker runs it at its first pass and then
every ``PRUNE_INTERVAL_HOURS`` (each worker process keeps its own clock: a second worker
pruning too finds nothing left to delete). What goes:

- sign-in records that open nothing any more, ``RETENTION_ENDED_DAYS`` after they ended:
  sessions and API tokens after they expired, e-mailed links (password reset, address
  confirmation) after they were used or expired;
- delivered messages ``RETENTION_SENT_MESSAGE_DAYS`` after delivery, and messages that failed
  for good ``RETENTION_FAILED_MESSAGE_DAYS`` after their last attempt (the outbox holds the
  address and the text; reminders and check-in notices remember what was sent in tables of
  their own, and no report reads the outbox).

Failed sign-ins are counted by the rate limiter in its own store (memory, or Redis with keys
that expire), never in the database; replaced calendar addresses are deleted when replaced.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask, current_app

from lms.db import db, utcnow

log = logging.getLogger("lms.retention")

#: Rows deleted per transaction: a long prune never holds the write lock for long.
BATCH = 500
#: The settings of the periods, in days (checked at start: whole numbers, at least 1).
PERIODS = ("RETENTION_ENDED_DAYS", "RETENTION_SENT_MESSAGE_DAYS", "RETENTION_FAILED_MESSAGE_DAYS")


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete everything past its time, in short transactions; how many rows went, by kind."""
    from lms.accounts.operations import prune_ended
    from lms.notifications.operations import prune_messages

    now = now or utcnow()
    config = current_app.config
    days = {name: timedelta(days=config[name]) for name in PERIODS}
    gone = {"sessions": 0, "api_tokens": 0, "links": 0, "messages": 0}
    while True:
        batch = prune_ended(now - days["RETENTION_ENDED_DAYS"], limit=BATCH)
        db.session.commit()
        for kind, n in batch.items():
            gone[kind] += n
        if max(batch.values()) < BATCH:
            break
    while True:
        n = prune_messages(
            sent_before=now - days["RETENTION_SENT_MESSAGE_DAYS"],
            failed_before=now - days["RETENTION_FAILED_MESSAGE_DAYS"],
            limit=BATCH,
        )
        db.session.commit()
        gone["messages"] += n
        if n < BATCH:
            break
    return gone


def check_periods(config: dict) -> None:
    """Each period a whole number of days, at least one (``ConfigError`` otherwise)."""
    from lms.config import ConfigError

    for name in (*PERIODS, "PRUNE_INTERVAL_HOURS"):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"LMS_{name} is {value!r}: it must be a whole number, 1 or more.")


def _prune_when_due(app: Flask, **_extra) -> None:
    """The worker's pass: prune at the first pass of this process, then once an interval."""
    state = app.extensions.setdefault("lms.retention", {"last": None})
    interval = app.config["PRUNE_INTERVAL_HOURS"] * 3600
    last = state["last"]
    if last is not None and time.monotonic() - last < interval:
        return
    state["last"] = time.monotonic()
    try:
        gone = prune()
    except Exception:  # the pass's deliveries go on; the next interval tries again
        db.session.rollback()
        log.exception("pruning failed")
        return
    if any(gone.values()):
        log.info("pruned %s", ", ".join(f"{n} {kind}" for kind, n in gone.items()))


def init_app(app: Flask) -> None:
    from lms.notifications.worker import worker_pass

    check_periods(app.config)
    worker_pass.connect(_prune_when_due, app, weak=False)
