from __future__ import annotations

from flask import current_app, jsonify

from lms.api import bp, field, json_body
from lms.db import db
from lms.errors import DomainError
from lms.i18n import visitor_locale
from lms.security import current_person, limiter, roles_required

from . import operations


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
    )
    db.session.commit()
    return jsonify(id=user.id, email=user.email, name=user.name), 201


@bp.post("/tokens")
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"])
def create_token():
    data = json_body()
    user = operations.authenticate(field(data, "email"), field(data, "password", single_line=False))
    if user is None:
        raise DomainError("E-mail and password do not match.", code="bad_credentials", status=401)
    token = operations.issue_token(user)
    db.session.commit()
    return jsonify(token=token), 201


@bp.get("/me")
@roles_required()
def me():
    return jsonify(user_json(current_person()))
