"""Who may do what with an entity: one function per right, called by its pages and its API.

The coordinators of its programme (and site administrators) hold every right; an entity's
members see its page. Other features grant more
through ``courses.signals.entity_access`` (a cohort grants its mentor and its referent), so
that an entity needs to know nothing of them.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden, NotFound
from lms.programmes import permissions as programmes
from lms.security import current_person

from ..signals import entity_access
from . import queries
from .models import Entity


class EntityRight(enum.Enum):
    #: Its page: what it is, its members, its cohorts.
    see = "see"
    #: Its initial diagnosis.
    see_diagnosis = "see_diagnosis"
    #: Change it: its members, its diagnosis (the coordinators of its programme).
    manage = "manage"


def rights(user: Any, entity: Entity) -> set[EntityRight]:
    if user is None or not user.is_authenticated:
        return set()
    if programmes.may_manage(user, entity.programme_id):
        return set(EntityRight)
    granted = {EntityRight.see} if entity.has_member(user) else set()
    for _receiver, more in entity_access.send(entity, user=user):
        granted |= more or set()
    return granted


def may_see(user: Any, entity: Entity) -> bool:
    return EntityRight.see in rights(user, entity)


def may_see_diagnosis(user: Any, entity: Entity) -> bool:
    return EntityRight.see_diagnosis in rights(user, entity)


def programme_for_new(requested: Any = None) -> int:
    """Where a new entity goes: a programme the person asking coordinates."""
    return programmes.programme_for_new(current_person(), requested)


def entity_for(entity_id: int, right: EntityRight = EntityRight.see) -> Entity:
    """The entity, when the person asking holds ``right`` over it; else 404 or 403."""
    entity = queries.get_entity(entity_id)
    if entity is None:
        raise NotFound(_l("There is no such entity."))
    if right not in rights(current_person(), entity):
        raise Forbidden(_l("You do not have permission to do that."))
    return entity
