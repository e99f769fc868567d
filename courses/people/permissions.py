"""Who may manage people: the ONE place every staff page of ``courses.people`` asks.

- :func:`may_manage_people`: may this person open the people pages at all (list, create,
  import, change roles, enrol on someone's behalf);
- :func:`manageable`: the people they may see and manage, as a query to filter further
  (programmes will narrow it to the staff member's programmes here, and only here);
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
from lms.security import current_person

#: Closed accounts keep an address of this domain; they are nobody to manage.
CLOSED_DOMAIN = "@closed.invalid"


def may_manage_people(staff: Any) -> bool:
    return staff is not None and staff.is_authenticated and staff.is_coordinator


def manageable(staff: Any) -> sa.Select[Any]:
    """The people ``staff`` may see and manage (none for whoever may not manage people)."""
    query = sa.select(User).where(~User.email.endswith(CLOSED_DOMAIN))
    if not may_manage_people(staff):
        return query.where(sa.false())
    return query


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
