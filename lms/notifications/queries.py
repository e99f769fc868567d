from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.db import db

from .models import OutboxMessage, OutboxStatus

PAGE_SIZE = 100


def deliveries(status: OutboxStatus | None = None, limit: int = PAGE_SIZE) -> list[OutboxMessage]:
    """The latest messages, newest first, with their recipients (one query)."""
    query = sa.select(OutboxMessage).options(joinedload(OutboxMessage.recipient))
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def counts() -> dict[OutboxStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in OutboxStatus}


def personal_data(user: User) -> list[dict[str, Any]]:
    """The messages written to a person: what, to which address, when, and whether they left."""
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient_id == user.id)
        .order_by(OutboxMessage.id)
    )
    return [
        {
            "kind": m.kind,
            "to": m.recipient_address,
            "status": m.status.value,
            "written_at": m.created_at.isoformat(),
            "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
        }
        for m in messages
    ]
