"""The JSON API's plumbing: the blueprint, bearer tokens, input helpers. Routes are guarded
by ``lms.security.roles_required`` and the features' permissions, as pages are."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, g, request
from flask_babel import lazy_gettext as _l

from lms.errors import MAX_ID, DomainError, check_moment, local_moment, one_line

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def current_api_user():
    """The person named by the request's bearer token, or None. Cookies are never read here."""
    if "api_user" not in g:
        from lms.accounts.queries import user_for_token

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.api_user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    return g.api_user


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_l("The body must be a JSON object."), code="bad_json", status=400)
    return data


def field(
    data: dict[str, Any],
    name: str,
    kind: type = str,
    *,
    required: bool = True,
    max_length: int | None = None,
    default: Any = None,
    single_line: bool = True,
) -> Any:
    """One field of a JSON body, checked for presence, type and length.

    Text is one line unless ``single_line`` is false (a description, notes): line breaks and
    tabs in a title or a name become spaces, so that it is safe in an e-mail's subject and a
    calendar's line. A whole number must fit the database (it may be an id)."""
    if name not in data or data[name] is None:
        if required:
            raise DomainError(_l("The field “%(name)s” is required.", name=name), code="missing")
        return default
    value = data[name]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise DomainError(_l("The field “%(name)s” has the wrong type.", name=name))
    if kind is int and not -MAX_ID <= value <= MAX_ID:
        raise DomainError(_l("The field “%(name)s” is out of range.", name=name))
    if kind is str:
        value = one_line(value) if single_line else value.strip()
        if required and not value:
            raise DomainError(_l("The field “%(name)s” is required.", name=name), code="missing")
        if max_length and len(value) > max_length:
            raise DomainError(_l("The field “%(name)s” is too long.", name=name))
    return value


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
