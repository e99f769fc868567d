"""Entities: the organisations a bootcamp accompanies, their members, referent and diagnosis."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section

    from . import api, models, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    add_section(app, "entities", queries.personal_data)
