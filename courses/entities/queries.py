"""Reads about entities."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.accounts.models import Role, User
from lms.db import db
from lms.errors import is_id
from lms.pagination import Window
from lms.programmes.models import TEACHING
from lms.programmes.permissions import scope_for
from lms.programmes.queries import people_with_role

from .models import Entity, Membership


def get_entity(entity_id: int) -> Entity | None:
    return db.session.get(Entity, entity_id)


def all_entities(window: Window | None = None, *, person: Any = None) -> list[Entity]:
    """The entities of the programmes ``person`` (by default, whoever asks) coordinates."""
    query = (
        sa.select(Entity)
        .options(selectinload(Entity.memberships), selectinload(Entity.diagnosis))
        .where(scope_for(Entity.programme_id, person))
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


def staff(programme_ids: Any = None) -> list[User]:
    """Trainers and coordinators, by name: the people offered as mentors (of the programmes
    ``programme_ids`` when given). Learners are not listed (a province has tens of
    thousands); a form names any other person by e-mail."""
    if programme_ids is not None:
        return people_with_role(programme_ids, *TEACHING)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role.in_([Role.trainer, Role.coordinator]))
            .order_by(User.name, User.id)
        )
    )


def chosen_person(user_id: int | None, email: str | None) -> User | None:
    """The person a form names, by id (the API's way) or by e-mail address: one query."""
    if user_id:
        return db.session.get(User, user_id) if is_id(user_id) else None
    address = (email or "").strip().lower()
    if not address:
        return None
    return db.session.scalar(sa.select(User).where(User.email == address))


def personal_data(user: User) -> list[dict[str, Any]]:
    """The entities a person belongs to, and as what, for their export."""
    rows = db.session.execute(
        sa.select(Entity.name, Membership.role)
        .join(Membership, Membership.entity_id == Entity.id)
        .where(Membership.user_id == user.id)
        .order_by(Entity.name)
    )
    return [{"entity": name, "role": role.value} for name, role in rows]
