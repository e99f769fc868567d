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

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

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

    user: Mapped[User] = relationship(back_populates="tokens")
