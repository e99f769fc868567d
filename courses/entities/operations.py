"""Every way an entity, its members and its diagnosis change."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import begin_write, db, utcnow
from lms.errors import Conflict, DomainError, NotFound, is_whole

from ..signals import diagnosis_recorded, entity_member_added, entity_member_removed
from .models import (
    MAX_MEMBERS,
    Diagnosis,
    Entity,
    EntityKind,
    MemberRole,
    Membership,
    Need,
    Track,
)

MAX_SIZE = 1_000_000


def lock_entity(entity_id: int) -> Entity:
    begin_write()
    entity = db.session.get(Entity, entity_id, with_for_update=True, populate_existing=True)
    if entity is None:
        raise NotFound(_l("There is no such entity."))
    return entity


def _check_size(size: Any) -> int | None:
    if size is None:
        return None
    if not is_whole(size, 1, MAX_SIZE):
        raise DomainError(_l("The size must be a whole number of people, 1 or more."))
    return size


def _programme_id(programme_id: int | None) -> int:
    """The programme a new thing goes in: the one named, else the first (made if none)."""
    from lms.programmes.operations import default_programme

    return programme_id if programme_id is not None else default_programme().id


def create_entity(
    *,
    name: str,
    kind: EntityKind | str,
    sector: str = "",
    size: int | None = None,
    programme_id: int | None = None,
) -> Entity:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    kind = EntityKind.parse(kind, "kind")
    begin_write()
    if db.session.scalar(sa.select(Entity.id).where(sa.func.lower(Entity.name) == name.lower())):
        raise Conflict(_l("An entity with that name already exists."), code="name_taken")
    entity = Entity(
        name=name[:200],
        kind=kind,
        sector=(sector or "").strip()[:100],
        programme_id=_programme_id(programme_id),
    )
    entity.size = _check_size(size)
    db.session.add(entity)
    db.session.flush()
    return entity


def add_member(entity_id: int, user: User, role: MemberRole | str = MemberRole.member):
    """Add a person (or change their role). A new referent takes over from the old one, who
    stays a member. Returns the membership and whether it is new. ``entity_member_added`` lets
    other features follow (or refuse: a cohort's mentor of the entity cannot join it)."""
    begin_write()
    role = MemberRole.parse(role, "role")
    entity = lock_entity(entity_id)
    membership = next((m for m in entity.memberships if m.user_id == user.id), None)
    created = membership is None
    if created and len(entity.memberships) >= MAX_MEMBERS:
        raise Conflict(
            _l("An entity can have at most %(n)d members in Aula.", n=MAX_MEMBERS), code="full"
        )
    if role is MemberRole.referent:
        for other in entity.memberships:
            if other.role is MemberRole.referent and other.user_id != user.id:
                other.role = MemberRole.member
        db.session.flush()
    if membership is None:
        membership = Membership(entity=entity, user=user, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    if created:
        entity_member_added.send(entity, user=user)
    return membership, created


def remove_member(entity_id: int, user_id: int) -> None:
    """Take a person off an entity (``entity_member_removed`` tells the cohorts)."""
    begin_write()
    entity = lock_entity(entity_id)
    membership = next((m for m in entity.memberships if m.user_id == user_id), None)
    if membership is None:
        raise NotFound(_l("That person is not a member of this entity."), code="not_member")
    entity.memberships.remove(membership)
    db.session.flush()
    entity_member_removed.send(entity, user_id=user_id)


def _factor(value: Any, name: str) -> int:
    if not is_whole(value, 1, 5):
        raise DomainError(
            _l("The field “%(name)s” must be a whole number from 1 to 5.", name=name),
            code="invalid_factor",
        )
    return value


def track_for(score: int) -> Track:
    """The three factors add up to 3 to 15: up to 7 starts with foundations, up to 11 with
    tools, above that with a deeper transformation."""
    if score <= 7:
        return Track.foundations
    if score <= 11:
        return Track.tools
    return Track.transformation


def record_diagnosis(
    entity_id: int,
    *,
    readiness: Any,
    market: Any,
    capacity: Any,
    needs: list[str] | None = None,
    notes: str = "",
    assessed_by: User | None = None,
) -> Diagnosis:
    """Record (or redo) an entity's initial diagnosis: a score and the track it suggests
    (``diagnosis_recorded`` lets cohorts suggest an itinerary for the track)."""
    begin_write()
    factors = {
        "readiness": _factor(readiness, "readiness"),
        "market": _factor(market, "market"),
        "capacity": _factor(capacity, "capacity"),
    }
    needs = [Need.parse(n, "needs").value for n in dict.fromkeys(needs or [])]
    entity = lock_entity(entity_id)
    score = sum(factors.values())
    track = track_for(score)
    diagnosis = entity.diagnosis or Diagnosis(entity=entity)
    for name, value in factors.items():
        setattr(diagnosis, name, value)
    diagnosis.needs = ",".join(needs)
    diagnosis.notes = (notes or "").strip()
    diagnosis.score = score
    diagnosis.track = track
    diagnosis.assessed_by = assessed_by
    diagnosis.assessed_at = utcnow()
    db.session.add(diagnosis)
    db.session.flush()
    diagnosis_recorded.send(diagnosis)
    return diagnosis


def on_account_closing(user: User, **_: Any) -> None:
    """A closing account leaves its entities (and so the cohorts' meetings to come)."""
    entity_ids = db.session.scalars(
        sa.select(Membership.entity_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.entity_id)
    ).all()
    for entity_id in entity_ids:
        remove_member(entity_id, user.id)
