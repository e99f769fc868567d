"""Accounts: people, their roles, their sessions and their API tokens."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
