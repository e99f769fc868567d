"""Entities: the organisations a bootcamp accompanies, their members, referent and diagnosis."""

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.signals import account_closing

    from . import api, models, operations, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    add_section(app, "entities", queries.personal_data)
    account_closing.connect(operations.on_account_closing)
