"""Every way an account changes."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from lms.db import begin_write, db, rows_changed, utcnow
from lms.errors import Conflict, DomainError, NotFound

from .models import AccountToken, ApiToken, Role, TokenPurpose, User, UserSession, hash_token
from .queries import user_by_email

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
#: A password-reset link works once, within this time.
RESET_LINK_MINUTES = 60
#: An address confirmation link works once, within this time.
CONFIRM_LINK_DAYS = 7
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


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to protect anything (lower-case)."""
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password(password: str, email: str = "") -> str:
    """``password`` if it may protect an account: long enough, not too long, not on the list
    of common passwords, not the account's own address. Otherwise a 422 saying which."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            code="weak_password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password can have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH),
            code="weak_password",
        )
    lowered = password.strip().lower()
    if lowered in common_passwords() or (email and lowered == email.strip().lower()):
        raise DomainError(
            _l(
                "That password is one of the most common ones, which others try first. "
                "Please choose another: a phrase of a few words is easy to remember."
            ),
            code="common_password",
        )
    return password


def _hash(password: str, email: str = "") -> str:
    return generate_password_hash(check_password(password, email), _hash_method())


#: What an account holds as its password until the person chooses one: no password hashes to it.
NO_PASSWORD = "!"
#: The link a coordinator's new account is mailed, to choose a password, works this long.
WELCOME_LINK_DAYS = 7


def create_user(
    email: str,
    name: str,
    password: str | None,
    role: Role = Role.learner,
    locale: str = "",
    timezone: str | None = None,
    *,
    confirmed: bool = True,
) -> User:
    """Add a person; 409 if the address is taken (checked again by the unique index).

    Self sign-up passes ``confirmed=False`` and mails a link (:func:`send_confirmation`);
    accounts made by the CLI or a coordinator start confirmed. Without a ``password`` (an
    account a coordinator makes) nobody can sign in until the person chooses one through
    :func:`password_links`."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    # Hash before the first query: a write request's transaction holds SQLite's write lock
    # from its first statement, and scrypt takes a tenth of a second.
    password_hash = NO_PASSWORD if password is None else _hash(password, email)
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
        email_confirmed_at=utcnow() if confirmed else None,
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
    if stored is None or not matches or user is None or user.is_deactivated:
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
    return make_token(user)[1]


def make_token(user: User) -> tuple[ApiToken, str]:
    """A new API token for ``user``, valid ``API_TOKEN_DAYS``: the row, and the token."""
    begin_write()
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=current_app.config["API_TOKEN_DAYS"])
    row = ApiToken(user=user, token_hash=hash_token(token), expires_at=utcnow() + lifetime)
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(user: User, token_id: int | None = None, *, token: str = "") -> None:
    """Revoke one of ``user``'s API tokens, by id or by the token itself; a 404 when
    ``user`` has no such token (someone else's is no different from none)."""
    if token_id is not None and not 0 < token_id < 2**31:
        raise NotFound(_l("You have no such token."))
    begin_write()
    which = (
        ApiToken.id == token_id
        if token_id is not None
        else ApiToken.token_hash == hash_token(token)
    )
    gone = rows_changed(sa.delete(ApiToken).where(ApiToken.user_id == user.id, which))
    if not gone:
        raise NotFound(_l("You have no such token."))


def prune_ended(before: datetime, *, limit: int) -> dict[str, int]:
    """Delete at most ``limit`` of each kind of sign-in record past its time: sessions and
    API tokens that expired before ``before``, and e-mailed links (resets, confirmations)
    used or expired before it. None of them opens anything any more; how many went, by kind."""
    begin_write()
    ended: dict[str, tuple[Any, sa.ColumnElement[bool]]] = {
        "sessions": (UserSession.id, UserSession.expires_at < before),
        "api_tokens": (ApiToken.id, ApiToken.expires_at < before),
        "links": (
            AccountToken.id,
            sa.or_(AccountToken.expires_at < before, AccountToken.used_at < before),
        ),
    }
    gone = {}
    for kind, (key, past) in ended.items():
        ids = list(db.session.scalars(sa.select(key).where(past).order_by(key).limit(limit)))
        gone[kind] = rows_changed(sa.delete(key.class_).where(key.in_(ids))) if ids else 0
    return gone


#: A session without "keep me signed in" ends on the server after this, whatever the browser.
SESSION_HOURS = 12


def start_session(user: User, *, remember: bool) -> None:
    """A new server-side session for ``user``, whose secret ``user.get_id()`` now carries."""
    begin_write()
    secret = secrets.token_urlsafe(32)
    lifetime = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else timedelta(hours=SESSION_HOURS)
    )
    db.session.add(
        UserSession(user_id=user.id, secret_hash=hash_token(secret), expires_at=utcnow() + lifetime)
    )
    user.session_secret = secret


def end_session(user: User) -> None:
    """End the session ``user`` was loaded for: its cookies open nothing from now on."""
    if user.session_secret:
        begin_write()
        db.session.execute(
            sa.delete(UserSession).where(UserSession.secret_hash == hash_token(user.session_secret))
        )


def end_other_sessions(user: User) -> None:
    """Sign ``user`` out of every browser but this one (all of them outside a session)."""
    begin_write()
    others = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if user.session_secret:
        others = others.where(UserSession.secret_hash != hash_token(user.session_secret))
    db.session.execute(others)


def revoke_tokens(user: User, *, keep: str = "") -> None:
    """Revoke every API token of ``user`` but the one ``keep`` names (none when empty)."""
    begin_write()
    tokens = sa.delete(ApiToken).where(ApiToken.user_id == user.id)
    if keep:
        tokens = tokens.where(ApiToken.token_hash != hash_token(keep))
    db.session.execute(tokens)


def change_password(user: User, current: str, new: str, *, keep_token: str = "") -> None:
    """A signed-in person's new password, given the one they have: every other browser
    signed in as them is signed out (this one stays) and every API token revoked but
    ``keep_token`` (the one a change through the API was made with): whoever had the old
    password has no way in left."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_l("Your current password is not that one."), code="wrong_password")
    password_hash = _hash(new, user.email)
    begin_write()
    user.password_hash = password_hash
    end_other_sessions(user)
    revoke_tokens(user, keep=keep_token)


def request_password_reset(email: str) -> None:
    """Send ``email``'s account a single-use link to choose a new password, if there is such
    an account. The caller answers the same either way, and the work (a token, a message
    rendered, rows written and committed) is the same either way, so neither the answer nor
    its time tells."""
    from .mail import reset_message

    address = normalise_email(email)
    token = secrets.token_urlsafe(32)
    user = user_by_email(address)
    message = reset_message(user, token)
    begin_write()
    db.session.execute(
        sa.delete(AccountToken).where(
            AccountToken.user_id == (user.id if user else 0),
            AccountToken.purpose == TokenPurpose.reset,
        )
    )  # only the newest link works
    if user is None:
        _decoy_message(address)
        return
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=TokenPurpose.reset,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(minutes=RESET_LINK_MINUTES),
        )
    )
    message()


def _decoy_message(address: str) -> None:
    """Write an outbox row and take it back: for an address without an account, the writes
    a real reset makes (the commit is most of its time), with nothing kept or sent."""
    from lms.notifications.operations import enqueue

    row = enqueue("account.decoy", to_address=address, subject="", text="")
    if row is not None:
        db.session.flush()
        db.session.delete(row)
        db.session.flush()
    db.session.info.pop("outbox_enqueued", None)


def _new_link(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """A fresh single-use link of ``purpose`` for ``user``; older ones of it stop working."""
    begin_write()
    db.session.execute(
        sa.delete(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def password_links(user_ids: list[int], *, days: int = WELCOME_LINK_DAYS) -> dict[int, str]:
    """A fresh single-use link to choose a password (a reset link, valid ``days``) for each
    of ``user_ids``, written in bulk (one DELETE and one INSERT per thousand people): for
    accounts a coordinator makes or imports. Returns each person's token."""
    begin_write()
    expires = utcnow() + timedelta(days=days)
    tokens = {user_id: secrets.token_urlsafe(32) for user_id in user_ids}
    ids = list(tokens)
    table = AccountToken.__table__
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        db.session.execute(
            sa.delete(AccountToken).where(
                AccountToken.user_id.in_(chunk), AccountToken.purpose == TokenPurpose.reset
            )
        )
        rows = [
            {"user_id": user_id, "purpose": TokenPurpose.reset, "created_at": utcnow(),
             "token_hash": hash_token(tokens[user_id]), "expires_at": expires}
            for user_id in chunk
        ]  # fmt: skip
        # one multi-row INSERT per thousand ("insertmanyvalues", through RETURNING)
        db.session.execute(table.insert().returning(table.c.id), rows)  # type: ignore[attr-defined]
    return tokens


def change_role(user: User, role: Role) -> None:
    begin_write()
    user.role = role


def deactivate(user: User) -> None:
    """The account opens nothing from now on: no sign-in, every session and API token ended.
    Everything it holds stays (unlike :func:`close_account`), to be reactivated."""
    begin_write()
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
    for model in (UserSession, ApiToken, AccountToken):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))


def reactivate(user: User) -> None:
    """Sign-in opens again, with the password the account had."""
    begin_write()
    user.deactivated_at = None


def send_confirmation(user: User) -> None:
    """Mail ``user`` a link that confirms their address (the newest link alone works)."""
    from .mail import confirm_message

    if user.is_confirmed:
        return
    token = _new_link(user, TokenPurpose.confirm, timedelta(days=CONFIRM_LINK_DAYS))
    confirm_message(user, token)()


def confirm_email(token: str) -> User:
    """The address of the link's account is confirmed; the link is spent."""
    user = use_token(token, TokenPurpose.confirm)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def live_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired link of ``purpose`` that ``token`` names, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == hash_token(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    )


def use_token(token: str, purpose: TokenPurpose) -> User:
    """Spend the link ``token`` names: once only, even when two requests race for it."""
    found = live_token(token, purpose)
    spent = 0
    if found is not None:
        begin_write()
        spent = rows_changed(
            sa.update(AccountToken)
            .where(AccountToken.id == found.id, AccountToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
    if not spent or found is None:
        raise DomainError(
            _l("This link has expired or has already been used. Please ask for a new one."),
            code="invalid_link",
            status=410,
        )
    return found.user


def reset_password(token: str, new: str) -> User:
    """Choose a new password through a reset link; every browser signed in is signed out and
    every API token revoked."""
    found = live_token(token, TokenPurpose.reset)
    password_hash = _hash(new, found.user.email if found else "")
    user = use_token(token, TokenPurpose.reset)
    user.password_hash = password_hash
    user.email_confirmed_at = user.email_confirmed_at or utcnow()  # the link reached them
    user.session_secret = None
    end_other_sessions(user)  # all of them: this request has no session of the account
    revoke_tokens(user)
    return user


#: The name a closed account keeps, so that past rosters and figures still count a person.
CLOSED_NAME = "—"


def close_account(user: User, password: str) -> None:
    """Erase ``user``: given their password, every feature lets go of them
    (``lms.signals.account_closing``: places to come are given up, memberships and feed
    addresses removed, messages to them emptied), then the account is made anonymous: no
    address, no name, no way to sign in, no session or token left. Anonymous figures stay:
    past seats and their attendance, cases without their words."""
    from lms.notifications.operations import forget_recipient
    from lms.signals import account_closing

    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(_l("Your current password is not that one."), code="wrong_password")
    begin_write()
    account_closing.send(user)
    forget_recipient(user.id)
    for model in (UserSession, ApiToken, AccountToken):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    user.email = f"closed-{user.id}-{secrets.token_hex(4)}@closed.invalid"
    user.name = CLOSED_NAME
    user.password_hash = "!"  # no password hashes to this
    user.locale = ""
    user.email_confirmed_at = None
    db.session.flush()
