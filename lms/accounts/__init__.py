"""Accounts: people, their roles, their sessions and their API tokens."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from . import api, views  # noqa: F401  (api adds its routes to lms.api.bp)
    from .operations import MIN_PASSWORD_LENGTH

    app.register_blueprint(views.bp)
    hint = _l(
        "At least %(n)d characters. The most common passwords are refused: a phrase of a few "
        "words is easy to remember and hard to guess.",
        n=MIN_PASSWORD_LENGTH,
    )

    @app.context_processor
    def _password_rules() -> dict:
        return {"password_hint": hint}
