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


def _member_added(entity, *, user, **_kwargs) -> None:
    from .operations import member_joined

    member_joined(entity, user)


def _member_removed(entity, *, user_id, **_kwargs) -> None:
    from .operations import member_left

    member_left(entity, user_id)


def _diagnosis_recorded(diagnosis, **_kwargs) -> None:
    from .operations import suggest_itinerary

    suggest_itinerary(diagnosis)


def _entity_access(entity, *, user, **_kwargs):
    from .permissions import rights_over_entity

    return rights_over_entity(entity, user)


def init_app(app: Flask) -> None:
    from lms.ui import add_nav_item, add_panel

    from .. import signals
    from . import api, models, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    signals.entity_member_added.connect(_member_added, weak=False)
    signals.entity_member_removed.connect(_member_removed, weak=False)
    signals.diagnosis_recorded.connect(_diagnosis_recorded, weak=False)
    signals.entity_access.connect(_entity_access, weak=False)
    app.add_template_global(views.entity_cohorts, "entity_cohorts")
    add_panel(app, "entity", "courses/cohorts/_entity_panel.html")
    app.add_template_global(queries.get_cohort, "cohort_of_meeting")
    add_panel(app, "workshop", "courses/cohorts/_meeting_panel.html")
    app.cli.add_command(cli)
    add_nav_item(app, "cohorts.index", _l("Cohorts"), roles=("coordinator",))
    add_nav_item(app, "entities.index", _l("Entities"), roles=("coordinator",))
    add_nav_item(app, "cohorts.mine", _l("My entity"), roles=("learner", "trainer"))
