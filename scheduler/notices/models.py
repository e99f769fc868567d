from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Model, UTCDateTime, utcnow


class SentReminder(Model):
    """A reminder already enqueued: one per workshop, person, offset and start time, so several
    workers never send it twice, and a workshop moved later gets its reminders again."""

    __tablename__ = "sent_reminder"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "user_id", "minutes_before", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The offset of config REMINDERS it answers, in minutes before the start.
    minutes_before: Mapped[int] = mapped_column(nullable=False)
    #: The start it was sent for; a rescheduled workshop is reminded of again.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
