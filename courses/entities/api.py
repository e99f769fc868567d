"""The entity routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, RootModel, field_validator

from lms import pagination
from lms.accounts.models import User
from lms.api import bp
from lms.apispec import Body, Id, Line, Out, Paged, Text, Whole, declare, one_of, word
from lms.db import db
from lms.errors import NotFound, is_id
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import EntityKind, MemberRole, Need, Track


class Referent(Out):
    id: int
    name: str


class Member(BaseModel):
    user_id: int
    name: str
    role: one_of(MemberRole)  # type: ignore[valid-type]


class EntityOut(Out):
    id: int
    name: str = Field(examples=["Cooperativa do Mar"])
    programme_id: int
    kind: one_of(EntityKind)  # type: ignore[valid-type]
    sector: str
    size: int | None
    referent: Referent | None
    members: list[Member] = Field(validation_alias="memberships")

    @field_validator("members", mode="before")
    @classmethod
    def _members(cls, memberships: Any) -> Any:
        return [
            {"user_id": m.user_id, "name": m.user.name, "role": m.role}
            if not isinstance(m, dict)
            else m
            for m in memberships
        ]


class Entities(RootModel[list[EntityOut]]):
    pass


class DiagnosisOut(Out):
    entity_id: int
    readiness: int
    market: int
    capacity: int
    needs: list[str] = Field(validation_alias="need_list")
    notes: str
    score: int
    track: one_of(Track)  # type: ignore[valid-type]
    suggested_itinerary_id: int | None
    assessed_at: datetime


class NewEntity(Body):
    programme_id: Id | None = Field(
        None, description="its programme; the caller's only one when absent"
    )
    name: Line(200)  # type: ignore[valid-type]
    kind: word(EntityKind)  # type: ignore[valid-type]
    sector: Line(100, min_length=0) = ""  # type: ignore[valid-type]
    size: Whole | None = Field(None, description="people working in it")


class NewMember(Body):
    user_id: Id
    role: word(MemberRole) = "member"  # type: ignore[valid-type]


class NewDiagnosis(Body):
    readiness: Whole = Field(description="1 to 5")
    market: Whole = Field(description="1 to 5")
    capacity: Whole = Field(description="1 to 5")
    needs: list[word(Need)] | word(Need) = []  # type: ignore[valid-type]
    notes: Text(5000) = ""  # type: ignore[valid-type]


def user_or_404(user_id: object) -> User:
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        raise NotFound(_l("There is no such person."), code="no_user")
    return user


@bp.get("/entities")
@roles_required("coordinator")
@declare(who="coordinator", query=Paged, answers={200: Entities}, errors=(403,))
def list_entities():
    """Every entity, in order (``Link: rel="next"``)."""
    window = pagination.requested()
    page = pagination.cut(queries.all_entities(window), window)
    return Entities.model_validate(page.items), 200, pagination.link_header(page)


@bp.post("/entities")
@roles_required("coordinator")
@declare(who="coordinator", json=NewEntity, answers={201: EntityOut}, errors=(403,))
def create_entity(json: NewEntity):
    """A new entity (an organisation)."""
    entity = operations.create_entity(
        programme_id=permissions.programme_for_new(json.programme_id),
        name=json.name,
        kind=json.kind,
        sector=json.sector,
        size=json.size,
    )
    db.session.commit()
    return EntityOut.model_validate(entity), 201


@bp.get("/entities/<int:entity_id>")
@roles_required()
@declare(who="coordinator, its members and its cohorts' people", answers={200: EntityOut})
def get_entity(entity_id: int):
    """One entity with its members."""
    return EntityOut.model_validate(permissions.entity_for(entity_id))


@bp.post("/entities/<int:entity_id>/members")
@roles_required("coordinator")
@declare(who="coordinator", json=NewMember, answers={200: EntityOut, 201: EntityOut}, errors=(403,))
def add_member(entity_id: int, json: NewMember):
    """Add a person as ``member`` or ``referent`` (or change their role: 200)."""
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    user = user_or_404(json.user_id)
    _membership, created = operations.add_member(entity_id, user, json.role)
    db.session.commit()
    return EntityOut.model_validate(permissions.entity_for(entity_id)), 201 if created else 200


@bp.delete("/entities/<int:entity_id>/members/<int:user_id>")
@roles_required("coordinator")
@declare(who="coordinator", answers={204: None}, errors=(403,))
def remove_member(entity_id: int, user_id: int):
    """The person leaves the entity."""
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    operations.remove_member(entity_id, user_id)
    db.session.commit()
    return "", 204


@bp.put("/entities/<int:entity_id>/diagnosis")
@roles_required("coordinator")
@declare(who="coordinator", json=NewDiagnosis, answers={200: DiagnosisOut}, errors=(403,))
def put_diagnosis(entity_id: int, json: NewDiagnosis):
    """Record the entity's diagnosis: scores from 1 to 5 and what it needs."""
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    diagnosis = operations.record_diagnosis(
        entity_id,
        readiness=json.readiness,
        market=json.market,
        capacity=json.capacity,
        needs=[json.needs] if isinstance(json.needs, str) else json.needs,
        notes=json.notes,
        assessed_by=current_person(),
    )
    db.session.commit()
    return DiagnosisOut.model_validate(diagnosis)


@bp.get("/entities/<int:entity_id>/diagnosis")
@roles_required()
@declare(who="coordinator, the entity's referent", answers={200: DiagnosisOut})
def get_diagnosis(entity_id: int):
    """The entity's diagnosis, where the caller may see it."""
    entity = permissions.entity_for(entity_id, permissions.EntityRight.see_diagnosis)
    if entity.diagnosis is None:
        raise NotFound(_l("This entity has no diagnosis yet."), code="no_diagnosis")
    return DiagnosisOut.model_validate(entity.diagnosis)
