"""The delivery worker: ``flask --app lms worker`` and the in-process thread of development.

Each pass sends :data:`worker_pass` (so that packages enqueue what has come due, such as
reminders), then claims due messages in batches and delivers them, until none is left.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime

import click
from blinker import Namespace
from flask import Flask, current_app
from flask.cli import with_appcontext

from lms.db import db, utcnow
from lms.plugins import plugins
from lms.plugins.notify import PermanentDeliveryError

from . import operations

log = logging.getLogger("lms.notifications")
_signals = Namespace()

worker_pass = _signals.signal(
    "worker-pass",
    doc="""A delivery pass is starting. Sender: the app.

    Receivers enqueue what has come due (reminders, say) in their own short transaction and
    commit it; several workers may run at once, so they must be idempotent.
    """,
)


def deliver_due(due_by: datetime | None = None, limit: int | None = None) -> int:
    """One round: claim a batch, deliver it, record each outcome. Returns how many were claimed."""
    claim = operations.claim_due(limit or current_app.config["OUTBOX_BATCH_SIZE"], due_by)
    channels = {p.channel: p for p in plugins("notify").values()}
    for channel, claimed in claim.messages:
        if claim.needs_renewal() and not operations.renew(claimed.id, claim.token):
            continue  # our lease ran out and another worker may hold it now
        plugin = channels.get(channel)
        try:
            if plugin is None:
                raise PermanentDeliveryError(f"no plugin delivers the channel {channel!r}")
            # Rendered here, from the record, after the claim has committed: outside any lock.
            plugin.deliver(operations.outgoing(claimed))
        except PermanentDeliveryError as e:
            operations.record_failure(claimed.id, claim.token, str(e), permanent=True)
        except Exception as e:  # any passing failure: try again later
            log.warning("delivery of message %s failed: %s", claimed.id, e)
            operations.record_failure(claimed.id, claim.token, f"{type(e).__name__}: {e}")
        else:
            operations.record_sent(claimed.id, claim.token)
    return len(claim.messages)


def run_pass() -> int:
    """Enqueue what has come due, then deliver everything due now. Returns messages handled."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's app
    try:
        worker_pass.send(app)
    except Exception:
        db.session.rollback()
        log.exception("a worker-pass receiver failed")
    handled = 0
    started = utcnow()
    while operations.has_due(started):
        claimed = deliver_due(started)
        if not claimed:
            break
        handled += claimed
    return handled


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", type=float, default=None, help="Seconds between passes.")
@with_appcontext
def worker_command(once: bool, interval: float | None) -> None:
    """Deliver queued notifications and due reminders until stopped."""
    if once:
        click.echo(f"Delivered or tried {run_pass()} messages.")
        return
    pause = interval if interval is not None else current_app.config["WORKER_INTERVAL_SECONDS"]
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    click.echo("Worker started; Ctrl-C stops it.")
    while not stopping.is_set():
        try:
            run_pass()
        except Exception:
            db.session.rollback()
            log.exception("a delivery pass failed")
        db.session.remove()  # hold no connection between passes
        stopping.wait(pause)


class InProcessDelivery:
    """Development's worker: a daemon thread in the web process, started on the first request.

    Safe with several gunicorn workers, since claims are. A commit that enqueued a message
    wakes it at once.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="aula-outbox", daemon=True)
                self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _run(self) -> None:
        pause = self.app.config["WORKER_INTERVAL_SECONDS"]
        while not self.stopping.is_set():
            self.wake.wait(pause)
            self.wake.clear()
            if self.stopping.is_set():
                return
            time.sleep(0.2)  # let the request that woke us finish its response first
            with self.app.app_context():
                try:
                    run_pass()
                except Exception:
                    db.session.rollback()
                    log.exception("in-process delivery failed")
