"""A workshop's video room: which provider, under which unguessable name."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Model, UTCDateTime, utcnow


def new_room_key() -> str:
    """128 random bits, lower-case (Jitsi folds room names to lower case)."""
    return f"aula-{secrets.token_hex(16)}"


class VideoRoom(Model):
    """The room of one workshop. Its key and link are secrets: never shown in a page."""

    __tablename__ = "video_room"

    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True
    )
    #: The trainer's choice of provider (``video_jitsi``...); None follows VIDEO_PROVIDER.
    provider: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    #: The room's unguessable name at the provider.
    key: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    #: The address pasted by the trainer, for providers that need one.
    link: Mapped[str] = mapped_column(sa.String(2000), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<VideoRoom w{self.workshop_id} {self.provider or 'default'}>"
