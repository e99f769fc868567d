"""Who may do what with a cohort: one function per right, called by its pages and its API.

- **run** it (admit and remove entities, pair mentors, change its capacity): the
  coordinators of its programme (``lms.programmes.permissions``) and site administrators;
- **follow** it (the dashboard, every entity's notes): those and its referent;
- **use** an itinerary (see it, open a cohort of it): the coordinators of its programme;
- **see** it (its schedule, every entity's weekly status): those, plus the members of the
  entities holding a live place and their mentors;
- **record a check-in** for an entity: its mentor and its referent, and whoever follows;
- **read the notes** of an entity's check-ins: whoever follows, its mentor and its members.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden, NotFound, is_id
from lms.programmes import permissions as programmes
from lms.security import current_person

from ..entities.models import Entity, MemberRole
from ..entities.permissions import EntityRight
from . import queries
from .models import Cohort, CohortPlace, Itinerary


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def may_run(user: Any, cohort: Cohort) -> bool:
    return programmes.may_manage(user, cohort.programme_id)


def may_follow(user: Any, cohort: Cohort) -> bool:
    return _signed_in(user) and (may_run(user, cohort) or user.id == cohort.referent_id)


def may_use(user: Any, itinerary: Itinerary) -> bool:
    return programmes.may_manage(user, itinerary.programme_id)


def may_see(user: Any, cohort: Cohort) -> bool:
    if not _signed_in(user):
        return False
    return may_follow(user, cohort) or bool(queries.own_entity_ids(cohort.id, user))


def may_record_checkin(user: Any, place: CohortPlace) -> bool:
    if not _signed_in(user):
        return False
    if may_follow(user, place.cohort) or place.mentor_id == user.id:
        return True
    return any(
        m.user_id == user.id and m.role is MemberRole.referent for m in place.entity.memberships
    )


def may_read_notes(user: Any, place: CohortPlace) -> bool:
    if not _signed_in(user):
        return False
    if may_follow(user, place.cohort) or place.mentor_id == user.id:
        return True
    return place.entity.has_member(user)


def rights_over_entity(entity: Entity, user: Any) -> set[EntityRight]:
    """What a cohort grants over an entity it holds a live place for: its mentor sees its
    page and diagnosis, the cohort's referent its page."""
    granted: set[EntityRight] = set()
    for place in queries.live_places_of_entity(entity.id):
        if place.mentor_id == user.id:
            granted |= {EntityRight.see, EntityRight.see_diagnosis}
        elif place.cohort.referent_id == user.id:
            granted.add(EntityRight.see)
    return granted


def itinerary_for(itinerary_id: Any) -> Itinerary:
    """The itinerary, for the coordinators of its programme; 404 for anyone else."""
    itinerary = queries.get_itinerary(itinerary_id) if is_id(itinerary_id) else None
    if itinerary is None or not may_use(current_person(), itinerary):
        raise NotFound(_l("There is no such itinerary."))
    return itinerary


def programme_for_new(requested: Any = None) -> int:
    """Where a new itinerary goes: a programme the person asking coordinates."""
    return programmes.programme_for_new(current_person(), requested)


def cohort_for(cohort_id: int, may: Any = may_see) -> Cohort:
    """The cohort, when the person asking ``may`` (see, follow, run) it; else 404 or 403."""
    cohort = queries.get_cohort(cohort_id)
    if cohort is None:
        raise NotFound(_l("There is no such cohort."))
    if not may(current_person(), cohort):
        raise Forbidden(_l("You do not have permission to do that."))
    return cohort


def place_for(cohort_id: int, entity_id: int, may: Any) -> CohortPlace:
    """An entity's place in a cohort, when the person asking ``may`` act on it."""
    place = queries.place_of(cohort_id, entity_id) if queries.get_cohort(cohort_id) else None
    if place is None:
        raise NotFound(_l("That entity has no place in this cohort."), code="not_placed")
    if not may(current_person(), place):
        raise Forbidden(_l("You do not have permission to do that."))
    return place
