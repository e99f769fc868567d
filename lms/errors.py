"""Errors: one exception for refused changes, JSON for the API, pages for people."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as werkzeug_NotFound
from werkzeug.routing import IntegerConverter


class DomainError(Exception):
    """A rule of the product refused a change.

    Operations raise it before writing anything; the API answers it as JSON with ``status``,
    web views show ``message`` (a lazily translated string) to the person.
    """

    status = 422
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class SignInRequired(DomainError):
    """Nobody is signed in (or the bearer token is not valid): pages send the person to the
    sign-in form, the API answers 401."""

    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def is_whole(value: Any, low: int, high: int) -> TypeGuard[int]:
    """A whole number from ``low`` to ``high`` (JSON's true and false are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_id(value: Any) -> bool:
    """A whole number that can name a row (JSON's ``1e30`` or ``true`` name nothing)."""
    return is_whole(value, 1, MAX_ID)


# -- input: what text, numbers and dates must be before anything reads them ---------------

#: The largest id the databases store (PostgreSQL's ``integer``); a larger one names nothing.
MAX_ID = 2**31 - 1
#: The years a date may fall in, in forms, in the API and in filters (a workshop, a cohort, a
#: catalogue's range): enough for any programme, and safe for every calendar reader.
FIRST_YEAR, LAST_YEAR = 2000, 2099
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)

#: Characters no text that people write may hold: control characters other than tab and line
#: breaks, and lone surrogates (not Unicode at all: no database or encoder takes them).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: What breaks a line for somebody (e-mail, calendars, Python's ``splitlines``), and tabs.
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")


def is_unsafe_text(value: str) -> bool:
    """Whether ``value`` holds a control character (other than tab and line breaks) or a lone
    surrogate."""
    return _UNSAFE.search(value) is not None


def one_line(value: Any) -> Any:
    """Text for a single-line field (a title, a name, a topic): every line break, tab or
    control character becomes one space, and the ends are trimmed. Anything else is returned
    as it is (a form filter sees ``None``)."""
    if not isinstance(value, str):
        return value
    return _UNSAFE.sub("", _BREAKS.sub(" ", value)).strip()


def _out_of_range(name: str) -> DomainError:
    return DomainError(
        _l(
            "The date in “%(name)s” must fall between the years %(first)d and %(last)d.",
            name=name,
            first=FIRST_YEAR,
            last=LAST_YEAR,
        ),
        code="date_out_of_range",
    )


def check_moment(value: datetime, name: str) -> datetime:
    """``value`` when it falls in the years Aula accepts, else a 422 naming ``name``."""
    try:
        sane = EARLIEST <= value < LATEST
    except OverflowError:  # an offset that takes it past the first or the last year
        sane = False
    if not sane:
        raise _out_of_range(name)
    return value


def check_day(value: date, name: str) -> date:
    """A calendar day in the years Aula accepts, else a 422 naming ``name``."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range(name)
    return value


def local_moment(day: date, clock: time, zone: ZoneInfo, name: str) -> datetime:
    """The moment a clock in ``zone`` shows ``clock`` on ``day``, as people there read it.

    A time the clocks skip (the spring change: 02:30 on the last Sunday of March in Madrid)
    is refused with a 422 naming ``name``; a time they show twice (the autumn change) is the
    first of the two, in summer time. The result is the same on every database.
    """
    check_day(day, name)
    moment = datetime.combine(day, clock.replace(tzinfo=None, fold=0), zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise DomainError(
            _l(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks skip it.",
                time=clock.strftime("%H:%M"),
                day=day.isoformat(),
                zone=zone.key,
            ),
            code="nonexistent_time",
        )
    return moment


class IdConverter(IntegerConverter):
    """The URL map's ``int``: a whole number the database can hold as an id. A larger one
    names nothing: 404 at once, instead of an overflow in the database (500), or a 405 from
    the URL map when another method's route has the same path."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise werkzeug_NotFound()
        return number


def _texts(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value (keys included), with the field it sits in."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield name, str(key)
            yield from _texts(item, str(key) if not name else f"{name}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, name)


def _request_texts() -> Iterator[tuple[str, str]]:
    yield "address", request.path
    for source in (request.args, request.form):
        for key, values in source.lists():
            yield key, key
            for value in values:
                yield key, value
    if request.is_json:
        yield from _texts(request.get_json(silent=True), "")


def _refuse_unreadable_input() -> None:
    """No request goes further with a control character or a lone surrogate in its address,
    its query, its form or its JSON: a 400 that names the field, before anything is read
    from the database or written to it (SQLite cannot encode a surrogate, PostgreSQL refuses
    NUL in text, e-mail and calendars break on control characters)."""
    for name, value in _request_texts():
        if is_unsafe_text(value):
            raise DomainError(
                _l(
                    "The field “%(name)s” holds characters that are not allowed "
                    "(control characters or invalid Unicode).",
                    name=_UNSAFE.sub("?", name) or "body",
                ),
                code="bad_text",
                status=400,
            )


def refuse(e: DomainError, target: str):
    """A web form's refused change: nothing of it kept, the reason shown, back to ``target``."""
    from flask import flash, redirect

    from lms.db import db

    db.session.rollback()
    flash(str(e.message), "error")
    return redirect(target, 303)


def carry_out(change: Callable[[], object], target: str, done: str, category: str = "success"):
    """A web form's change: made, committed, ``done`` shown and back to ``target``; or, if a
    rule refuses it, nothing of it kept and the reason shown (:func:`refuse`)."""
    from flask import flash, redirect

    from lms.db import db

    try:
        change()
    except DomainError as e:
        return refuse(e, target)
    db.session.commit()
    flash(done, category)
    return redirect(target, 303)


HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in first."),
    403: _l("You do not have permission to do that."),
    404: _l("There is nothing at this address."),
    405: _l("That action is not allowed here."),
    409: _l("That conflicts with the current state."),
    413: _l("The request is too large."),
    415: _l("This page takes a form, not JSON: use the API under /api/v1 for JSON."),
    422: _l("The request could not be processed."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: Any):
    if wants_json():
        return jsonify(error={"code": code, "message": str(message)}), status
    return render_template("errors/error.html", status=status, message=message), status


def _http_error(e: HTTPException):
    status = e.code or 500
    message = HTTP_MESSAGES.get(status, e.description)
    if status == 400 and e.description and "CSRF" in e.description:
        message = _l("The form had expired. Please try again.")
    return error_response(status, HTTP_CODES.get(status, "error"), message)


def _domain_error(e: DomainError):
    if isinstance(e, SignInRequired) and not wants_json():
        from lms.security import login_manager

        return login_manager.unauthorized()
    return error_response(e.status, e.code, e.message)


def _server_error(e: Exception):
    from lms.db import db

    db.session.rollback()
    return error_response(500, "server_error", HTTP_MESSAGES[500])


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any package adds its routes
    app.before_request(_refuse_unreadable_input)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(500, _server_error)
