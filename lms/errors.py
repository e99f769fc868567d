"""Errors: one exception for refused changes, JSON for the API, pages for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


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
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(500, _server_error)
