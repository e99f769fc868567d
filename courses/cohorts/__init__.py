"""Bootcamp itineraries and cohorts: about ten entities following one dated path together."""

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

cli = AppGroup("cohorts", help="Bootcamp cohorts.")


@cli.command("remind")
def remind() -> None:
    """Announce every missing weekly check-in once (run it hourly, or from the worker)."""
    from lms.db import db

    from .operations import remind_missing_checkins

    sent = remind_missing_checkins()
    db.session.commit()
    click.echo(f"{sent} missing check-ins announced.")


def init_app(app: Flask) -> None:
    from lms.ui import add_nav_item

    from . import api, models, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    app.cli.add_command(cli)
    add_nav_item(app, "cohorts.index", _l("Cohorts"), roles=("coordinator",))
    add_nav_item(app, "entities.index", _l("Entities"), roles=("coordinator",))
    add_nav_item(app, "cohorts.mine", _l("My entity"), roles=("learner", "trainer"))
