"""Schema and demo on start: a fresh checkout serves a working site with no extra step."""

from __future__ import annotations

import fcntl
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate, upgrade

from lms.db import db

MIGRATIONS = str(Path(__file__).parent / "migrations")
migrate = Migrate(directory=MIGRATIONS)


def load_demo(app: Flask) -> None:
    """Load the demo programme and commit; its people are fictional, so nobody is written to."""
    from lms.notifications.operations import muted
    from lms.signals import demo_requested

    with muted():
        demo_requested.send(app)
    db.session.commit()


def setup_database(app: Flask) -> None:
    """Upgrade the schema to head, and load the demo into a database with nobody in it.

    Several workers may start at once on one machine: a lock file in the instance folder lets
    one of them do it while the others wait.
    """
    from lms.accounts.queries import has_users

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with open(Path(app.instance_path) / ".setup.lock", "w") as lock, app.app_context():
        fcntl.flock(lock, fcntl.LOCK_EX)
        upgrade(directory=MIGRATIONS, revision="heads")
        if app.config["LOAD_DEMO_WHEN_EMPTY"] and not has_users():
            load_demo(app)
        db.session.remove()


def init_app(app: Flask) -> None:
    migrate.init_app(app, db)
    if app.config["AUTO_SETUP"]:
        setup_database(app)
