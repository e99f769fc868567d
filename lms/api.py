"""The JSON API's plumbing: the blueprint, bearer tokens, times. Routes are guarded by
``lms.security.roles_required`` and the features' permissions, as pages are; what they take
and answer is declared with ``lms.apispec.declare``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, g, request
from flask_babel import lazy_gettext as _l

from lms.errors import DomainError, check_moment, local_moment

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def current_api_user():
    """The person named by the request's bearer token, or None. Cookies are never read here."""
    if "api_user" not in g:
        from lms.accounts.queries import user_for_token

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.api_user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    return g.api_user


def parse_datetime(value: str, tz: ZoneInfo, name: str) -> datetime:
    """An ISO 8601 time in the years Aula accepts; one without an offset is read in ``tz``
    as a clock there shows it (:func:`lms.errors.local_moment`: a time the clocks skip is
    refused, one they show twice is the first)."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise DomainError(
            _l("The field “%(name)s” must be an ISO 8601 date and time.", name=name)
        ) from None
    if parsed.tzinfo is None:
        parsed = local_moment(parsed.date(), parsed.time(), tz, name)
    return check_moment(parsed, name)


def init_app(app: Flask) -> None:
    """Register the blueprint once every package has added its routes to it."""
    from lms import apispec

    app.register_blueprint(bp)
    apispec.spec.app = app
