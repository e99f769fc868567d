"""The notification outbox: messages written with the change they report, delivered after
commit by ``flask --app lms worker`` (or a thread of the web process in development) through
the ``lms.notify`` channel plugins, with retries, backoff and a final failed state."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l

from lms.plugins import notify  # noqa: F401  (declares the lms.notify plugin type)

DEFAULTS = {
    #: Deliver from a thread of the web process (development). A deploy runs the worker.
    "DELIVER_IN_PROCESS": True,
    "WORKER_INTERVAL_SECONDS": 5.0,
    #: A claimed message is another worker's to take after this long (crashed worker). It is
    #: renewed just before each send, so it must exceed one send: MAIL_TIMEOUT_SECONDS.
    "OUTBOX_LEASE_SECONDS": 300,
    "OUTBOX_MAX_ATTEMPTS": 8,
    #: Waits after the 1st, 2nd... failure; the last one repeats.
    "OUTBOX_BACKOFF_SECONDS": [60, 300, 1800, 7200, 21600, 43200],
    "OUTBOX_BATCH_SIZE": 20,
    "MAIL_TIMEOUT_SECONDS": 30,
}


def _wake_after_commit(session: sa.orm.Session) -> None:
    if session.info.pop("outbox_enqueued", False) and has_app_context():
        delivery = current_app.extensions.get("lms.notifications.thread")
        if delivery is not None and delivery.thread is not None:  # only in web processes
            delivery.wake.set()


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.ui import add_nav_item

    from . import models, queries, views  # noqa: F401  (models: its table belongs to the schema)
    from .worker import InProcessDelivery, worker_command

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(views.bp)
    app.cli.add_command(worker_command)
    add_nav_item(app, "notifications.deliveries", _l("Deliveries"), roles=("admin",))
    add_section(app, "messages", queries.personal_data)
    if not sa.event.contains(sa.orm.Session, "after_commit", _wake_after_commit):
        sa.event.listen(sa.orm.Session, "after_commit", _wake_after_commit)
    if app.config["DELIVER_IN_PROCESS"] and not app.testing:
        delivery = InProcessDelivery(app)
        app.extensions["lms.notifications.thread"] = delivery
        app.before_request(delivery.start)
