from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled


class Role(Labelled):
    learner = "learner", _l("Learner")
    trainer = "trainer", _l("Trainer")
    coordinator = "coordinator", _l("Coordinator")


def hash_token(token: str) -> str:
    """Tokens are stored as their SHA-256: a leaked table opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, Model):
    __tablename__ = "user"
    __allow_unmapped__ = True  # session_secret below is an attribute, not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-case; the sign-in address.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    role: Mapped[Role] = mapped_column(enum_type(Role), nullable=False, default=Role.learner)
    #: One of the site's LANGUAGES; empty means "follow the browser".
    locale: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="")
    #: IANA zone in which the person reads times.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="Europe/Madrid")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When the person showed the address is theirs (the link mailed at sign-up, or a
    #: password reset); None until then. Accounts made by a coordinator or the CLI start
    #: confirmed.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When a coordinator deactivated the account: it keeps everything but opens nothing (no
    #: sign-in, no session, no API token) until reactivated. Unlike closing, nothing is erased.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: A site administrator sees and manages every programme (lms.programmes.permissions).
    is_admin: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    #: The secret of the signed-in session this object was loaded for (not a column): what
    #: Flask-Login keeps in the session and the remember cookie, with the id.
    session_secret: str | None = None

    def get_id(self) -> str:
        """``"<id>:<session secret>"``: a cookie names one server-side session, so ending
        that session (signing out, a new password) ends the cookie, remember-me included."""
        return f"{self.id}:{self.session_secret}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_deactivated(self) -> bool:
        return self.deactivated_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login signs no inactive account in
        return self.deactivated_at is None

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.coordinator

    @property
    def can_teach(self) -> bool:
        return self.role in (Role.trainer, Role.coordinator)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class ApiToken(Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: After this the token opens nothing (``API_TOKEN_DAYS`` after it was made).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(Model):
    """One signed-in browser. Its cookie (and remember-me cookie) carries the secret; the
    row is what makes it valid, so deleting the row signs that browser out."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: SHA-256 of the secret in the cookie.
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: After this the cookie opens nothing, even a remember-me cookie.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TokenPurpose(Labelled):
    reset = "reset", _l("Choose a new password")
    confirm = "confirm", _l("Confirm the e-mail address")


class AccountToken(Model):
    """A single-use link sent by e-mail (a password reset, an address confirmation): only
    its hash is kept, it expires, and using it marks it used."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose), nullable=False)
    #: SHA-256 of the token in the link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: When the link was used; a used link opens nothing.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
