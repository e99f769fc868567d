from __future__ import annotations

import sqlalchemy as sa

from lms.db import db

from .models import ApiToken, Role, User, hash_token


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    return db.session.scalar(
        sa.select(User).join(ApiToken).where(ApiToken.token_hash == hash_token(token))
    )


def users_with_role(role: Role) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == role).order_by(User.name)))


def has_users() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(User.id.isnot(None)))) or False
