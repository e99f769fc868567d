from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from courses.workshops.models import Workshop
from lms.db import Model, UTCDateTime, utcnow


class CalendarToken(Model):
    """The secret in a person's feed address, ``/calendar/<token>.ics``: one per person.

    Only its SHA-256 is kept, so the address can be shown only when it is made; replacing it
    makes the old address answer 404.
    """

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    #: SHA-256 of the token (``lms.accounts.models.hash_token``).
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


#: Lets the catalogue feed's validators be read from the index alone (queries.py).
CATALOGUE_INDEX = sa.Index(
    "ix_workshop_catalogue_feed",
    Workshop.audience,
    Workshop.starts_at,
    Workshop.calendar_changed_at,
    Workshop.topic,
)
