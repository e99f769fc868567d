"""The entity routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

from lms import pagination
from lms.accounts.models import User
from lms.api import bp, field, json_body
from lms.db import db
from lms.errors import DomainError, NotFound, is_id
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import Diagnosis, Entity, Need


def entity_json(entity: Entity) -> dict:
    referent = entity.referent
    return {
        "id": entity.id,
        "name": entity.name,
        "programme_id": entity.programme_id,
        "kind": entity.kind.value,
        "sector": entity.sector,
        "size": entity.size,
        "referent": {"id": referent.id, "name": referent.name} if referent else None,
        "members": [
            {"user_id": m.user_id, "name": m.user.name, "role": m.role.value}
            for m in entity.memberships
        ],
    }


def diagnosis_json(d: Diagnosis) -> dict:
    return {
        "entity_id": d.entity_id,
        "readiness": d.readiness,
        "market": d.market,
        "capacity": d.capacity,
        "needs": d.need_list,
        "notes": d.notes,
        "score": d.score,
        "track": d.track.value,
        "suggested_itinerary_id": d.suggested_itinerary_id,
        "assessed_at": d.assessed_at.isoformat(),
    }


def user_or_404(user_id: object) -> User:
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        raise NotFound(_l("There is no such person."), code="no_user")
    return user


@bp.get("/entities")
@roles_required("coordinator")
def list_entities():
    window = pagination.requested()
    page = pagination.cut(queries.all_entities(window), window)
    return jsonify([entity_json(e) for e in page.items]), pagination.link_header(page)


@bp.post("/entities")
@roles_required("coordinator")
def create_entity():
    data = json_body()
    entity = operations.create_entity(
        programme_id=permissions.programme_for_new(data.get("programme_id")),
        name=field(data, "name", max_length=200),
        kind=field(data, "kind"),
        sector=field(data, "sector", required=False, default="", max_length=100),
        size=data.get("size"),
    )
    db.session.commit()
    return jsonify(entity_json(entity)), 201


@bp.get("/entities/<int:entity_id>")
@roles_required()
def get_entity(entity_id: int):
    return jsonify(entity_json(permissions.entity_for(entity_id)))


@bp.post("/entities/<int:entity_id>/members")
@roles_required("coordinator")
def add_member(entity_id: int):
    data = json_body()
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    user = user_or_404(data.get("user_id"))
    _membership, created = operations.add_member(
        entity_id, user, field(data, "role", required=False, default="member")
    )
    db.session.commit()
    return jsonify(entity_json(permissions.entity_for(entity_id))), 201 if created else 200


@bp.delete("/entities/<int:entity_id>/members/<int:user_id>")
@roles_required("coordinator")
def remove_member(entity_id: int, user_id: int):
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    operations.remove_member(entity_id, user_id)
    db.session.commit()
    return "", 204


@bp.put("/entities/<int:entity_id>/diagnosis")
@roles_required("coordinator")
def put_diagnosis(entity_id: int):
    data = json_body()
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    needs = data.get("needs", [])
    if isinstance(needs, str):
        needs = [needs]
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise DomainError(
            _l("The field “%(name)s” must be a list of: %(values)s.", name="needs",
               values=", ".join(n.value for n in Need)),
            code="invalid_needs",
        )  # fmt: skip
    diagnosis = operations.record_diagnosis(
        entity_id,
        readiness=data.get("readiness"),
        market=data.get("market"),
        capacity=data.get("capacity"),
        needs=needs,
        notes=field(data, "notes", required=False, default="", max_length=5000, single_line=False),
        assessed_by=current_person(),
    )
    db.session.commit()
    return jsonify(diagnosis_json(diagnosis))


@bp.get("/entities/<int:entity_id>/diagnosis")
@roles_required()
def get_diagnosis(entity_id: int):
    entity = permissions.entity_for(entity_id, permissions.EntityRight.see_diagnosis)
    if entity.diagnosis is None:
        raise NotFound(_l("This entity has no diagnosis yet."), code="no_diagnosis")
    return jsonify(diagnosis_json(entity.diagnosis))
