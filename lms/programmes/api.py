"""The programme routes of the JSON API: a new programme, its staff."""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field

from lms.accounts.models import User
from lms.api import bp
from lms.apispec import Body, Line, Out, declare
from lms.db import db
from lms.errors import NotFound
from lms.security import roles_required

from . import operations, permissions, queries


class ProgrammeOut(Out):
    id: int
    name: str
    slug: str = Field(examples=["lleida"])
    locale: str = Field(examples=["ca"])
    timezone: str = Field(examples=["Europe/Madrid"])


class NewProgramme(Body):
    name: Line(200)  # type: ignore[valid-type]
    locale: Line(10, min_length=0) | None = Field(None, examples=["ca"])  # type: ignore[valid-type]
    timezone: Line(60, min_length=0) | None = Field(None, examples=["Europe/Madrid"])  # type: ignore[valid-type]


class StaffRole(Body):
    role: Literal["coordinator", "trainer", "advisor"]


class StaffOut(Out):
    programme_id: int
    user_id: int
    roles: list[str] = Field(examples=[["coordinator", "trainer"]])


@bp.post("/programmes")
@roles_required()
@declare(
    who="site administrator", json=NewProgramme, answers={201: ProgrammeOut}, errors=(403, 409, 422)
)
def create_programme(json: NewProgramme):
    """A new programme (its address, ``slug``, is made from its name)."""
    permissions.administered()
    programme = operations.create_programme(
        json.name, locale=json.locale or "", timezone=json.timezone or ""
    )
    body = ProgrammeOut.model_validate(programme)
    db.session.commit()
    return body, 201


@bp.put("/programmes/<int:programme_id>/staff/<int:user_id>")
@roles_required()
@declare(
    who="site administrator, the programme's coordinator",
    json=StaffRole,
    answers={200: StaffOut},
    errors=(403, 404, 422),
)
def put_staff(programme_id: int, user_id: int, json: StaffRole):
    """Give the person a staff role within the programme (repeating it changes nothing)."""
    programme = permissions.managed(programme_id)
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound(_l("There is no such person."))
    operations.add_member(programme.id, person, json.role)
    roles = sorted(r.value for r in queries.roles_of(person.id).get(programme.id, ()))
    db.session.commit()
    return StaffOut(programme_id=programme.id, user_id=person.id, roles=roles)
