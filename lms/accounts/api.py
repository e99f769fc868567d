from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from lms.api import bp, field, json_body
from lms.db import db
from lms.errors import DomainError
from lms.i18n import visitor_locale
from lms.security import account_limit, current_person, limiter, roles_required

from . import operations, personal, queries
from .models import hash_token
from .views import RESET_SENT


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "locale": user.locale,
        "timezone": user.timezone,
    }


@bp.post("/users")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
def sign_up():
    data = json_body()
    user = operations.create_user(
        field(data, "email", max_length=254),
        field(data, "name", max_length=120),
        field(data, "password", max_length=200, single_line=False),
        locale=field(data, "locale", required=False, default="") or visitor_locale(),
        timezone=field(data, "timezone", required=False),
        confirmed=False,
    )
    operations.send_confirmation(user)
    db.session.commit()
    return jsonify(id=user.id, email=user.email, name=user.name), 201


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
@account_limit("sign-in")
def create_token():
    data = json_body()
    user = operations.authenticate(field(data, "email"), field(data, "password", single_line=False))
    if user is None:
        raise DomainError(
            _l("That e-mail and password do not match."), code="bad_credentials", status=401
        )
    row, token = operations.make_token(user)
    body = {"token": token, **token_json(row)}
    db.session.commit()
    return jsonify(body), 201, {"Cache-Control": "no-store"}


def token_json(row) -> dict:
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
    }


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.get("/tokens")
@roles_required()
def list_tokens():
    """The caller's live tokens, oldest first (``limit``, then ``Link: rel="next"``)."""
    limit = request.args.get("limit", "50")
    after = request.args.get("after", "0")
    if not (limit.isdigit() and 1 <= int(limit) <= 200 and after.isdigit() and len(after) < 12):
        raise DomainError(_l("“limit” is 1 to 200 and “after” a token's id."), code="invalid")
    rows = queries.live_tokens(current_person(), after=int(after), limit=int(limit) + 1)
    current = hash_token(_bearer())
    body = [{**token_json(r), "current": r.token_hash == current} for r in rows[: int(limit)]]
    headers = {}
    if len(rows) > int(limit):
        next_url = url_for(".list_tokens", limit=limit, after=rows[int(limit) - 1].id)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return jsonify(body), 200, headers


@bp.delete("/tokens/current")
@roles_required()
def revoke_current_token():
    operations.revoke_token(current_person(), token=_bearer())
    db.session.commit()
    return "", 204


@bp.delete("/tokens/<int:token_id>")
@roles_required()
def revoke_token(token_id: int):
    operations.revoke_token(current_person(), token_id)
    db.session.commit()
    return "", 204


@bp.get("/me")
@roles_required()
def me():
    return jsonify(user_json(current_person()))


@bp.get("/me/export")
@roles_required()
def my_data():
    """Everything Aula holds about the caller (lms.accounts.personal)."""
    return jsonify(personal.everything_about(current_person()))


@bp.delete("/me")
@roles_required()
def close_account():
    """``{password}``; 204: the account is erased and its tokens stop working."""
    data = json_body()
    operations.close_account(current_person(), field(data, "password", max_length=200))
    db.session.commit()
    return "", 204


@bp.post("/password-reset")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
@account_limit("password-reset", only_failures=False)
def password_reset():
    """202 with the same body whether or not the account exists."""
    operations.request_password_reset(field(json_body(), "email", max_length=254))
    db.session.commit()
    return jsonify(status="sent", message=str(RESET_SENT)), 202


@bp.put("/me/password")
@roles_required()
def change_password():
    """``{current_password, new_password}``; 204: every session on the web ends, and every
    API token but the one this request carries stops working."""
    data = json_body()
    operations.change_password(
        current_person(),
        field(data, "current_password", max_length=200),
        field(data, "new_password", max_length=200),
        keep_token=_bearer(),
    )
    db.session.commit()
    return "", 204
