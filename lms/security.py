"""Sessions, CSRF, rate limits, and who is asking: the one role check of pages and API."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.errors import Forbidden, SignInRequired

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


def account_key() -> str:
    """The rate-limit key of the account a request names (the ``email`` of a sign-in form,
    a token request or a reset), so that guesses at one account spread over many addresses
    still meet one limit. Without an address, the client's own."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("email") if isinstance(data, dict) or data is request.form else None
    if not isinstance(email, str) or not email.strip():
        return f"address:{get_remote_address()}"
    return f"account:{email.strip().lower()[:254]}"


def failed(response: Any) -> bool:
    """Count an attempt against the account only when it failed (a 4xx other than 429)."""
    return 400 <= response.status_code < 500 and response.status_code != 429


def account_limit(scope: str, *, only_failures: bool = True) -> Callable:
    """The per-account limit (``ACCOUNT_RATE_LIMIT``), shared by the web and API routes
    that name the same ``scope``."""
    return limiter.shared_limit(
        lambda: current_app.config["ACCOUNT_RATE_LIMIT"],
        scope=scope,
        key_func=account_key,
        methods=["POST"],
        deduct_when=failed if only_failures else None,
    )


def current_person() -> Any:
    """Who is asking, or None. The API reads only its bearer token (it takes no cookies, so
    it needs no CSRF token); pages read the session."""
    if request.path.startswith("/api/"):
        from lms.api import current_api_user

        return current_api_user()
    return current_user if current_user.is_authenticated else None


def safe_next(target: str | None, default: str) -> str:
    r"""Where to send someone after a form (``?next=``): ``target`` when it is surely a path on
    this site, else ``default``.

    Browsers drop tabs and line breaks anywhere in an address and read a backslash as a
    slash, so ``/\t/evil.example`` and ``/\evil.example`` lead to another host: any
    whitespace, control character or backslash, and anything not starting with exactly one
    slash, is refused (a line break would also break the ``Location`` header).
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def roles_required(*roles: str) -> Callable:
    """A page or API route for signed-in people with one of ``roles`` (any role when none
    are named). Nobody signed in: the sign-in page, or a 401 in the API."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            person = current_person()
            if person is None:
                raise SignInRequired(_l("A valid bearer token is required."))
            if roles and person.role.value not in roles:
                raise Forbidden(_l("You do not have permission to do that."))
            return view(*args, **kwargs)

        wrapped.api_roles = roles  # type: ignore[attr-defined]  # read by lms.apispec
        return wrapped

    return decorator


def is_personal() -> bool:
    """Whether the answer is about the person asking (a page for someone signed in, or an API
    call with a bearer token): such an answer must not be kept by a browser or a proxy."""
    if request.endpoint == "static":
        return False
    if "Authorization" in request.headers:
        return True
    return bool(current_user and current_user.is_authenticated)


def behind_proxies(app: Flask) -> None:
    """Trust ``PROXIES`` proxies' X-Forwarded-For, -Proto, -Host and -Port: each client then
    has its own address (for rate limits and logs) and https requests know they are."""
    n = app.config["PROXIES"]
    if n:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    from lms.api import bp as api_bp

    behind_proxies(app)
    csrf.init_app(app)
    csrf.exempt(api_bp)  # the API reads no cookies, only bearer tokens
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(cookie_id: str):
        from lms.accounts.queries import user_for_session

        return user_for_session(cookie_id)

    @app.before_request
    def _web_forms_take_form_data():
        # Flask-WTF would read a JSON body as form data; pages take forms, the API takes JSON.
        writes = request.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes and request.is_json and not request.path.startswith("/api/"):
            abort(415)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        )
        if app.config["HTTPS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}"
            )
        if "Cache-Control" not in response.headers and is_personal():
            response.headers["Cache-Control"] = "no-store"
        return response
