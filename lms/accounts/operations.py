"""Every way an account changes."""

from __future__ import annotations

import functools
import secrets
from zoneinfo import available_timezones

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from lms.db import begin_write, db
from lms.errors import Conflict, DomainError

from .models import ApiToken, Role, User, hash_token
from .queries import user_by_email

MIN_PASSWORD_LENGTH = 8
_ZONES = frozenset(available_timezones())


def normalise_email(email: str) -> str:
    try:
        return validate_email(
            email.strip(),
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        ).normalized.lower()
    except EmailNotValidError:
        raise DomainError(_l("That is not a valid e-mail address."), code="invalid_email") from None


def check_timezone(name: str) -> str:
    if name not in _ZONES:
        raise DomainError(_l("Unknown time zone: %(zone)s", zone=name), code="invalid_timezone")
    return name


def check_locale(locale: str) -> str:
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_l("Unknown language: %(locale)s", locale=locale), code="invalid_locale")
    return locale


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            code="weak_password",
        )
    return generate_password_hash(
        password, current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role = Role.learner,
    locale: str = "",
    timezone: str | None = None,
) -> User:
    """Add a person; 409 if the address is taken (checked again by the unique index)."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    # Hash before the first query: a write request's transaction holds SQLite's write lock
    # from its first statement, and scrypt takes a tenth of a second.
    password_hash = _hash(password)
    begin_write()
    if user_by_email(email):
        raise Conflict(_l("An account with that e-mail already exists."), code="email_taken")
    user = User(
        email=email,
        name=name[:120],
        password_hash=password_hash,
        role=role,
        locale=check_locale(locale),
        timezone=check_timezone(timezone or current_app.config["DEFAULT_TIMEZONE"]),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(
            _l("An account with that e-mail already exists."), code="email_taken"
        ) from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The person with this address and password, or None.

    The read transaction ends before the slow hash check, so that a write request (a POST's
    transaction holds SQLite's write lock from its first statement) does not make every other
    writer wait for scrypt."""
    user = user_by_email(email)
    stored = user.password_hash if user else None
    db.session.rollback()  # nothing written; `user` reloads when next used
    # An unknown address costs the same hash check as a known one: the time of the answer
    # must not tell whether an account exists.
    matches = check_password_hash(stored or _decoy_hash(_hash_method()), password)
    if stored is None or not matches:
        return None
    return user


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


@functools.cache
def _decoy_hash(method: str) -> str:
    """A hash of a random password, checked in place of an account that does not exist."""
    return generate_password_hash(secrets.token_urlsafe(16), method)


def update_profile(user: User, *, name: str, locale: str, timezone: str) -> None:
    name = name.strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    begin_write()
    user.locale = check_locale(locale)
    user.timezone = check_timezone(timezone)
    user.name = name[:120]


def issue_token(user: User) -> str:
    """A new API token for ``user``; only its hash is kept, so it is shown once."""
    begin_write()
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    return token
