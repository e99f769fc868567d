"""Reads about entities."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.db import db
from lms.pagination import Window

from .models import Entity, Membership


def get_entity(entity_id: int) -> Entity | None:
    return db.session.get(Entity, entity_id)


def all_entities(window: Window | None = None) -> list[Entity]:
    query = (
        sa.select(Entity)
        .options(selectinload(Entity.memberships), selectinload(Entity.diagnosis))
        .order_by(Entity.name, Entity.id)
    )
    return list(db.session.scalars(window.apply(query) if window else query))


def entities_of(user_id: int) -> list[Entity]:
    return list(
        db.session.scalars(
            sa.select(Entity)
            .join(Membership)
            .where(Membership.user_id == user_id)
            .order_by(Entity.name)
        )
    )


def people() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.name)))
