"""Who may manage people: the ONE place every staff page of ``courses.people`` asks.

- :func:`may_manage_people`: may this person open the people pages at all (list, create,
  import, change roles, enrol on someone's behalf);
- :func:`manageable`: the people they may see and manage, as a query to filter further: a
  site administrator everyone; a coordinator the people of the programmes she coordinates
  (its staff and learners, those enrolled in its workshops, the members of its entities);
- :func:`programme_for_people`: the programme a person a coordinator adds or imports joins;
- :func:`person_for`: one of them by id, or a 404 (someone outside is no different from
  no one) / 403 (for whoever may not manage people at all).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import db
from lms.errors import Forbidden, NotFound
from lms.programmes import permissions as programmes
from lms.programmes.models import ProgrammeMember
from lms.security import current_person

#: Closed accounts keep an address of this domain; they are nobody to manage.
CLOSED_DOMAIN = "@closed.invalid"


def may_manage_people(staff: Any) -> bool:
    """A site administrator, or the coordinator of a programme."""
    return bool(programmes.managed_by(staff))


def manageable(staff: Any) -> sa.Select[Any]:
    """The people ``staff`` may see and manage (none for whoever may not manage people): the
    people of the programmes they coordinate, everyone for a site administrator."""
    from ..entities.models import Entity, Membership
    from ..workshops.models import Enrolment, Workshop

    query = sa.select(User).where(~User.email.endswith(CLOSED_DOMAIN))
    if not may_manage_people(staff):
        return query.where(sa.false())
    if programmes.is_admin(staff):
        return query
    mine = sorted(programmes.managed_by(staff))
    in_programme = sa.exists().where(
        ProgrammeMember.user_id == User.id, ProgrammeMember.programme_id.in_(mine)
    )
    enrolled = sa.exists().where(
        Enrolment.user_id == User.id,
        Enrolment.workshop_id == Workshop.id,
        Workshop.programme_id.in_(mine),
    )
    member = sa.exists().where(
        Membership.user_id == User.id,
        Membership.entity_id == Entity.id,
        Entity.programme_id.in_(mine),
    )
    anywhere = sa.or_(
        sa.exists().where(ProgrammeMember.user_id == User.id),
        sa.exists().where(Enrolment.user_id == User.id),
        sa.exists().where(Membership.user_id == User.id),
    )
    if _first() in mine:
        # someone of no programme yet (signed up on the site's own page) is the first
        # programme's, where whatever is made without naming a programme goes
        return query.where(sa.or_(in_programme, enrolled, member, ~anywhere))
    return query.where(sa.or_(in_programme, enrolled, member))


def _first() -> int | None:
    from lms.programmes.queries import first_programme

    first = first_programme()
    return first.id if first is not None else None


def programme_for_people(staff: Any, requested: Any = None) -> int:
    """The programme that a person ``staff`` adds or imports joins (as a learner): the one
    asked for, when ``staff`` coordinates it (403/404 otherwise); else the first of those
    ``staff`` coordinates (a site administrator's: the first programme)."""
    if requested not in (None, ""):
        return programmes.programme_for_new(staff, requested)
    mine = programmes.managed_by(staff)
    if not mine:
        raise Forbidden(_l("Only a coordinator can manage people."))
    return min(mine)


def may_use_workshop(staff: Any, workshop: Any) -> bool:
    """A workshop ``staff`` may put people in: one of a programme they coordinate, or one
    they train (api-contract.md: its trainer enrols someone on their behalf)."""
    if workshop is None:
        return False
    return workshop.trainer_id == staff.id or programmes.may_manage(staff, workshop.programme_id)


def person_for(user_id: int) -> User:
    """The person, for staff who may manage them; 403 or 404 for anyone else."""
    staff = staff_only()
    person = db.session.scalar(manageable(staff).where(User.id == user_id))
    if person is None:
        raise NotFound(_l("There is no such person."))
    return person


def staff_only() -> Any:
    """The person asking, when they may manage people; a 403 otherwise."""
    staff = current_person()
    if not may_manage_people(staff):
        raise Forbidden(_l("Only a coordinator can manage people."))
    return staff
