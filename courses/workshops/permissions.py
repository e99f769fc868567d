"""Who may do what with a workshop: one function per right, called by its pages, its API
routes, its panels and the features built on it (attendance, rooms, calendars).

- **see** it: anyone, for a public workshop; a cohort's meetings only for their trainer, the
  coordinators and the people holding a live place in them (their dates are not announced);
- **manage** it (edit, cancel, roster, attendance, room settings): its trainer, coordinators;
- **enrol** in it: learners who may see it (trainers and coordinators do not take seats).

Loaders (:func:`visible`, :func:`managed`, :func:`for_enrolment`) answer 404 to whoever may not
see the workshop and 403 to whoever sees it but may not do the rest, in pages and API alike.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden, NotFound
from lms.security import current_person

from . import queries
from .models import Audience, Workshop


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def may_manage(user: Any, workshop: Workshop) -> bool:
    return _signed_in(user) and (user.is_coordinator or user.id == workshop.trainer_id)


def may_see(user: Any, workshop: Workshop) -> bool:
    if workshop.audience is Audience.public:
        return True
    if not _signed_in(user):
        return False
    if may_manage(user, workshop):
        return True
    found = queries.place(workshop.id, user.id)
    return found is not None and found.enrolment.is_live


def may_enrol(user: Any, workshop: Workshop) -> bool:
    return _signed_in(user) and user.role.value == "learner" and may_see(user, workshop)


def visible(workshop_id: int) -> Workshop:
    """The workshop, or a 404 for whoever may not see it (or when there is none)."""
    workshop = queries.get_workshop(workshop_id)
    if workshop is None or not may_see(current_person(), workshop):
        raise NotFound(_l("There is no such workshop."))
    return workshop


def managed(workshop_id: int) -> Workshop:
    """The workshop, for its trainer and the coordinators; 404 or 403 for anyone else."""
    workshop = visible(workshop_id)
    if not may_manage(current_person(), workshop):
        raise Forbidden(_l("Only its trainer or a coordinator can do that."))
    return workshop


def for_enrolment(workshop_id: int) -> Workshop:
    """The workshop, for a learner who may take (or give up) a seat in it."""
    workshop = visible(workshop_id)
    if not may_enrol(current_person(), workshop):
        raise Forbidden(_l("Only learners enrol in workshops."))
    return workshop
