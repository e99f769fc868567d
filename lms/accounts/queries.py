from __future__ import annotations

import sqlalchemy as sa

from lms.db import db, utcnow

from .models import ApiToken, Role, User, UserSession, hash_token


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def user_for_token(token: str) -> User | None:
    """The owner of a live (unexpired, unrevoked) API token."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        sa.select(User)
        .join(ApiToken)
        .where(
            ApiToken.token_hash == hash_token(token),
            ApiToken.expires_at > utcnow(),
            User.deactivated_at.is_(None),
        )
    )


def live_tokens(user: User, *, after: int = 0, limit: int = 200) -> list[ApiToken]:
    """``user``'s API tokens that still open the API, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow(), ApiToken.id > after)
            .order_by(ApiToken.id)
            .limit(limit)
        )
    )


def users_with_role(role: Role) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == role).order_by(User.name)))


def has_users() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(User.id.isnot(None)))) or False


def user_for_session(cookie_id: str) -> User | None:
    """The person a session cookie names (``"<id>:<secret>"``), if that session is live."""
    user_id, _, secret = cookie_id.partition(":")
    if not (user_id.isdigit() and secret) or len(user_id) > 18:
        return None
    user = db.session.scalar(
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.secret_hash == hash_token(secret),
            UserSession.user_id == int(user_id),
            UserSession.expires_at > utcnow(),
            User.deactivated_at.is_(None),
        )
    )
    if user is not None:
        user.session_secret = secret
    return user


def live_sessions(user: User) -> int:
    """How many browsers ``user`` is signed in on."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(UserSession.id)).where(
                UserSession.user_id == user.id, UserSession.expires_at > utcnow()
            )
        )
        or 0
    )
