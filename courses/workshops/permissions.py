"""Who may do what with a workshop: one function per right, called by its pages, its API
routes, its panels and the features built on it (attendance, rooms, calendars).

- **see** it: anyone, for a public workshop; a cohort's meetings only for their trainer, the
  coordinators and the people holding a live place in them (their dates are not announced);
- **manage** it (edit, cancel, roster, attendance, room settings): its trainer, the
  coordinators of its programme (``lms.programmes.permissions``), site administrators;
- **enrol** in it: people who may see it and are not staff of its programme (its trainers and
  coordinators do not take seats; staff of another programme may, as anyone);
- **create** one: the trainers and coordinators of a programme, in that programme.

Loaders (:func:`visible`, :func:`managed`, :func:`for_enrolment`) answer 404 to whoever may not
see the workshop and 403 to whoever sees it but may not do the rest, in pages and API alike.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import DomainError, Forbidden, NotFound, is_id
from lms.programmes import permissions as programmes
from lms.security import current_person

from . import queries
from .models import Audience, Workshop


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def may_manage(user: Any, workshop: Workshop) -> bool:
    return _signed_in(user) and (
        user.id == workshop.trainer_id or programmes.may_manage(user, workshop.programme_id)
    )


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
    return (
        _signed_in(user)
        and user.id != workshop.trainer_id
        and not programmes.is_staff(user, workshop.programme_id)
        and may_see(user, workshop)
    )


def planned(programme_id: Any = None, trainer_id: Any = None) -> tuple[int, Any]:
    """Where a new workshop goes and who trains it, for the person asking (its page and its
    API route alike): a programme where they teach (their only one when they name none; 422
    when they have several), and themselves, or, for a coordinator of that programme, one of
    its trainers or coordinators."""
    from lms.accounts.models import User
    from lms.db import db

    person = current_person()
    programme = programmes.programme_for_new(person, programme_id, programmes.TEACHING)
    if trainer_id in (None, "", person.id):
        return programme, person
    if not programmes.may_manage(person, programme):
        raise Forbidden(_l("Only a coordinator can plan a workshop for someone else."))
    trainer = db.session.get(User, trainer_id) if is_id(trainer_id) else None  # fits the column
    if trainer is None or not programmes.may_teach(trainer, programme):
        raise DomainError(_l("Only a trainer or a coordinator can run a workshop."))
    return programme, trainer


def teaching_programmes(user: Any) -> list[tuple[int, str]]:
    """The programmes a new workshop's form offers ``user``, by name."""
    return programmes.choices_for(user, programmes.TEACHING)


def trainers_for(user: Any) -> list[Any]:
    """Whom ``user`` may name as a new workshop's trainer: the trainers and coordinators of
    the programmes they coordinate; only themselves otherwise."""
    from lms.programmes.queries import people_with_role

    managed = programmes.managed_by(user)
    return people_with_role(managed, *programmes.TEACHING) if managed else [user]


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
