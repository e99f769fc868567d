"""Every way an entity, its members and its diagnosis change."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import begin_write, db, utcnow
from lms.errors import Conflict, DomainError, NotFound, is_whole

from .models import MAX_MEMBERS, Diagnosis, Entity, EntityKind, MemberRole, Membership, Track

#: The needs a diagnosis can tick (codes; the pages translate them).
NEEDS = (
    "digital_skills",
    "cloud_tools",
    "teamwork",
    "website",
    "online_sales",
    "social_media",
    "management_erp",
    "data_protection",
    "free_software",
)
MAX_SIZE = 1_000_000


def lock_entity(entity_id: int) -> Entity:
    begin_write()
    entity = db.session.get(Entity, entity_id, with_for_update=True, populate_existing=True)
    if entity is None:
        raise NotFound(_l("There is no such entity."))
    return entity


def parse_kind(value: Any) -> EntityKind:
    try:
        return EntityKind(value)
    except ValueError:
        raise DomainError(
            _l("The kind must be business, cooperative, association or council."),
            code="invalid_kind",
        ) from None


def _check_size(size: Any) -> int | None:
    if size is None:
        return None
    if not is_whole(size, 1, MAX_SIZE):
        raise DomainError(_l("The size must be a whole number of people, 1 or more."))
    return size


def create_entity(
    *, name: str, kind: EntityKind | str, sector: str = "", size: int | None = None
) -> Entity:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    kind = kind if isinstance(kind, EntityKind) else parse_kind(kind)
    begin_write()
    if db.session.scalar(sa.select(Entity.id).where(sa.func.lower(Entity.name) == name.lower())):
        raise Conflict(_l("An entity with that name already exists."), code="name_taken")
    entity = Entity(name=name[:200], kind=kind, sector=(sector or "").strip()[:100])
    entity.size = _check_size(size)
    db.session.add(entity)
    db.session.flush()
    return entity


def add_member(entity_id: int, user: User, role: MemberRole | str = MemberRole.member):
    """Add a person (or change their role). A new referent takes over from the old one, who
    stays a member. Returns the membership and whether it is new. A person who joins an entity
    with a place in a cohort is enrolled in its coming meetings."""
    begin_write()
    try:
        role = MemberRole(role)
    except ValueError:
        raise DomainError(_l("The role must be member or referent."), code="invalid_role") from None
    entity = lock_entity(entity_id)
    membership = next((m for m in entity.memberships if m.user_id == user.id), None)
    created = membership is None
    if created:
        from ..cohorts.queries import is_mentor_of

        if is_mentor_of(entity.id, user):
            raise Conflict(
                _l(
                    "%(person)s mentors this entity and cannot be one of its members.",
                    person=user.name,
                ),
                code="mentor_is_member",
            )
    if created and len(entity.memberships) >= MAX_MEMBERS:
        raise Conflict(
            _l("An entity can have at most %(n)d members in Aula.", n=MAX_MEMBERS), code="full"
        )
    if role is MemberRole.referent:
        for other in entity.memberships:
            if other.role is MemberRole.referent and other.user_id != user.id:
                other.role = MemberRole.member
        db.session.flush()
    if created:
        membership = Membership(entity=entity, user=user, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    if created:
        from ..cohorts.operations import member_joined

        member_joined(entity, user)
    return membership, created


def remove_member(entity_id: int, user_id: int) -> None:
    """Take a person off an entity; they are withdrawn from its coming cohort meetings."""
    begin_write()
    entity = lock_entity(entity_id)
    membership = next((m for m in entity.memberships if m.user_id == user_id), None)
    if membership is None:
        raise NotFound(_l("That person is not a member of this entity."), code="not_member")
    entity.memberships.remove(membership)
    db.session.flush()
    from ..cohorts.operations import member_left

    member_left(entity, user_id)


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
    """Record (or redo) an entity's initial diagnosis: a score and a suggested itinerary."""
    begin_write()
    from ..cohorts.queries import itinerary_for_track

    factors = {
        "readiness": _factor(readiness, "readiness"),
        "market": _factor(market, "market"),
        "capacity": _factor(capacity, "capacity"),
    }
    needs = list(dict.fromkeys(needs or []))
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise DomainError(
            _l("Unknown needs: %(needs)s", needs=", ".join(map(str, unknown))), code="invalid_needs"
        )
    entity = lock_entity(entity_id)
    score = sum(factors.values())
    track = track_for(score)
    itinerary = itinerary_for_track(track)
    diagnosis = entity.diagnosis or Diagnosis(entity=entity)
    for name, value in factors.items():
        setattr(diagnosis, name, value)
    diagnosis.needs = ",".join(needs)
    diagnosis.notes = (notes or "").strip()
    diagnosis.score = score
    diagnosis.track = track
    diagnosis.suggested_itinerary_id = itinerary.id if itinerary else None
    diagnosis.assessed_by = assessed_by
    diagnosis.assessed_at = utcnow()
    db.session.add(diagnosis)
    db.session.flush()
    return diagnosis
