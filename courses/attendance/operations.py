"""Every way attendance changes."""

from __future__ import annotations

from datetime import datetime

from lms.db import db, utcnow

from .models import RoomJoin


def record_join(workshop_id: int, user_id: int, at: datetime | None = None) -> RoomJoin:
    """Note that a person entered the workshop's room (the video rooms call this)."""
    join = RoomJoin(workshop_id=workshop_id, user_id=user_id, joined_at=at or utcnow())
    db.session.add(join)
    db.session.flush()
    return join
