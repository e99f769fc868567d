"""The account routes of the JSON API: sign-up, tokens, the caller's account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, RootModel

from lms.api import bp
from lms.apispec import Body, Line, Out, Text, declare, one_of
from lms.db import db
from lms.errors import DomainError
from lms.i18n import visitor_locale
from lms.security import account_limit, current_person, limiter, roles_required

from . import operations, personal, queries
from .models import Role, hash_token
from .views import RESET_SENT


class UserOut(Out):
    id: int
    email: str = Field(examples=["ana@example.org"])
    name: str
    role: one_of(Role)  # type: ignore[valid-type]
    locale: str = Field(examples=["es"])
    timezone: str = Field(examples=["Europe/Madrid"])


class SignedUp(Out):
    id: int
    email: str
    name: str


class SignUp(Body):
    email: Line(254) = Field(examples=["ana@example.org"])  # type: ignore[valid-type]
    name: Line(120)  # type: ignore[valid-type]
    password: Text(200) = Field(min_length=1)  # type: ignore[valid-type]
    locale: Line(10, min_length=0) | None = Field(None, examples=["ca"])  # type: ignore[valid-type]
    timezone: Line(60, min_length=0) | None = Field(None, examples=["Europe/Madrid"])  # type: ignore[valid-type]


class Credentials(Body):
    email: Line(254)  # type: ignore[valid-type]
    password: Text(200) = Field(min_length=1)  # type: ignore[valid-type]


class TokenOut(Out):
    id: int
    created_at: datetime
    expires_at: datetime


class NewToken(TokenOut):
    token: str = Field(description="send it as `Authorization: Bearer <token>`")


class LiveToken(TokenOut):
    current: bool = Field(description="the token of this request")


class LiveTokens(RootModel[list[LiveToken]]):
    pass


class TokenPage(BaseModel):
    limit: str | None = Field(None, description="1 to 200, 50 when absent")
    after: str | None = Field(None, description="the id of the last token of the previous page")


class Closing(Body):
    password: Text(200) = Field(min_length=1)  # type: ignore[valid-type]


class Address(Body):
    email: Line(254)  # type: ignore[valid-type]


class ResetSent(BaseModel):
    status: str = Field(examples=["sent"])
    message: str


class NewPassword(Body):
    current_password: Text(200) = Field(min_length=1)  # type: ignore[valid-type]
    new_password: Text(200) = Field(min_length=1)  # type: ignore[valid-type]


@bp.post("/users")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
@declare(who="anyone", json=SignUp, answers={201: SignedUp}, errors=(409, 429))
def sign_up(json: SignUp):
    """Sign up as a learner; the address is confirmed by e-mail."""
    user = operations.create_user(
        json.email,
        json.name,
        json.password,
        locale=json.locale or visitor_locale(),
        timezone=json.timezone,
        confirmed=False,
    )
    operations.send_confirmation(user)
    db.session.commit()
    return SignedUp.model_validate(user), 201


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
@account_limit("sign-in")
@declare(who="anyone", json=Credentials, answers={201: NewToken}, errors=(401, 429))
def create_token(json: Credentials):
    """A new API token for these credentials (rate-limited)."""
    user = operations.authenticate(json.email, json.password)
    if user is None:
        raise DomainError(
            _l("That e-mail and password do not match."), code="bad_credentials", status=401
        )
    row, token = operations.make_token(user)
    body = NewToken(token=token, **TokenOut.model_validate(row).model_dump())
    db.session.commit()
    return body, 201, {"Cache-Control": "no-store"}


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.get("/tokens")
@roles_required()
@declare(who="signed in", query=TokenPage, answers={200: LiveTokens})
def list_tokens():
    """The caller's live tokens, oldest first (``limit``, then ``Link: rel="next"``)."""
    limit = request.args.get("limit", "50")
    after = request.args.get("after", "0")
    if not (limit.isdigit() and 1 <= int(limit) <= 200 and after.isdigit() and len(after) < 12):
        raise DomainError(_l("“limit” is 1 to 200 and “after” a token's id."), code="invalid")
    rows = queries.live_tokens(current_person(), after=int(after), limit=int(limit) + 1)
    current = hash_token(_bearer())
    body = LiveTokens(
        [
            LiveToken(current=r.token_hash == current, **TokenOut.model_validate(r).model_dump())
            for r in rows[: int(limit)]
        ]
    )
    headers: dict[str, Any] = {}
    if len(rows) > int(limit):
        next_url = url_for(".list_tokens", limit=limit, after=rows[int(limit) - 1].id)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return body, 200, headers


@bp.delete("/tokens/current")
@roles_required()
@declare(who="signed in", answers={204: None})
def revoke_current_token():
    """The token of this request stops working at once."""
    operations.revoke_token(current_person(), token=_bearer())
    db.session.commit()
    return "", 204


@bp.delete("/tokens/<int:token_id>")
@roles_required()
@declare(who="signed in (their own tokens)", answers={204: None})
def revoke_token(token_id: int):
    """One of the caller's tokens stops working at once."""
    operations.revoke_token(current_person(), token_id)
    db.session.commit()
    return "", 204


@bp.get("/me")
@roles_required()
@declare(who="signed in", answers={200: UserOut})
def me():
    """The caller's account."""
    return UserOut.model_validate(current_person())


@bp.get("/me/export")
@roles_required()
@declare(who="signed in")
def my_data():
    """Everything Aula holds about the caller (lms.accounts.personal), one section per
    feature."""
    return personal.everything_about(current_person())


@bp.delete("/me")
@roles_required()
@declare(who="signed in", json=Closing, answers={204: None})
def close_account(json: Closing):
    """``{password}``; 204: the account is erased and its tokens stop working."""
    operations.close_account(current_person(), json.password)
    db.session.commit()
    return "", 204


@bp.post("/password-reset")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
@account_limit("password-reset", only_failures=False)
@declare(who="anyone", json=Address, answers={202: ResetSent}, errors=(429,))
def password_reset(json: Address):
    """202 with the same body whether or not the account exists."""
    operations.request_password_reset(json.email)
    db.session.commit()
    return ResetSent(status="sent", message=str(RESET_SENT)), 202


@bp.put("/me/password")
@roles_required()
@declare(who="signed in", json=NewPassword, answers={204: None})
def change_password(json: NewPassword):
    """``{current_password, new_password}``; 204: every session on the web ends, and every
    API token but the one this request carries stops working."""
    operations.change_password(
        current_person(), json.current_password, json.new_password, keep_token=_bearer()
    )
    db.session.commit()
    return "", 204
