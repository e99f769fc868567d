from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled


class OutboxStatus(Labelled):
    pending = "pending", _l("Pending")
    sent = "sent", _l("Sent")
    #: Gave up after the last attempt, or refused for good; a coordinator may retry it.
    failed = "failed", _l("Failed")


class OutboxMessage(Model):
    """A notification waiting to be delivered, written in the transaction of the change it
    reports. ``payload`` holds the facts it states, rendered when it is delivered
    (``{"to_name", "facts"}``, see lms.notifications.render), several such facts for one
    person written as one digest (``{"to_name", "digest": [{"kind", "facts"}, ...]}``, see
    ``operations.batched``), or the message ready to send
    (``{"to_name", "subject", "text", "html", "calendar", "calendar_method"}``)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What it reports, e.g. ``workshop.enrolled``.
    kind: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    #: The channel that delivers it: plugin ``notify_<channel>``.
    channel: Mapped[str] = mapped_column(sa.String(30), nullable=False, default="email")
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    recipient_address: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus), nullable=False, default=OutboxStatus.pending
    )
    #: Attempts begun so far (a claim counts, even when its worker died).
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The lease of the worker delivering it; once past, another worker may take it.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Who holds the lease: the outcome is recorded only by the holder.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    recipient: Mapped[User | None] = relationship()

    @property
    def subject(self) -> str:
        from .render import subject  # rendered from the facts for the deliveries page

        return subject(self)

    @property
    def can_be_retried(self) -> bool:
        return self.status is OutboxStatus.failed

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status.value} x{self.attempts}>"
