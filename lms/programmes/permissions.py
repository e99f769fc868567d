"""The one rule of programmes: who acts in which programme. Every feature's permissions and
list queries call these, so pages, API routes and reports share it.

- a **site administrator** (``User.is_admin``) sees and manages every programme;
- a **coordinator** of a programme manages everything in it (workshops, topics, itineraries,
  cohorts, entities, cases, reports) and nothing in any other;
- a **trainer** or **advisor** of a programme is its staff: they plan and teach there (a
  trainer) or take its cases (an advisor), and are nobody special in any other programme;
- a **learner** row records that a person joined the programme (signed up from its page).

A person's roles are read once per request (one query), whatever the page asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

from lms.errors import DomainError, Forbidden, NotFound, is_id

from . import queries
from .models import STAFF, TEACHING, Programme, ProgrammeRole

__all__ = ["STAFF", "TEACHING", "ProgrammeRole"]


def _signed_in(person: Any) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def is_admin(person: Any) -> bool:
    return _signed_in(person) and bool(getattr(person, "is_admin", False))


def roles_in(person: Any) -> dict[int, frozenset[ProgrammeRole]]:
    """The person's roles by programme, read once per request (app context)."""
    if not _signed_in(person):
        return {}
    if not has_app_context():
        return queries.roles_of(person.id)
    cache = g.setdefault("programme_roles", {})
    if person.id not in cache:
        cache[person.id] = queries.roles_of(person.id)
    return cache[person.id]


def forget(user_id: int) -> None:
    """Drop the request's copy of a person's roles (after they changed)."""
    if has_app_context():
        g.setdefault("programme_roles", {}).pop(user_id, None)
        g.pop("programme_ids", None)


def _all_ids() -> frozenset[int]:
    if not has_app_context():
        return queries.all_programme_ids()
    if "programme_ids" not in g:
        g.programme_ids = queries.all_programme_ids()
    return g.programme_ids


def programmes_of(person: Any, roles: Iterable[ProgrammeRole] = STAFF) -> frozenset[int]:
    """The ids of the programmes where ``person`` holds one of ``roles`` (staff roles by
    default); every programme for a site administrator."""
    if is_admin(person):
        return _all_ids()
    wanted = set(roles)
    return frozenset(pid for pid, held in roles_in(person).items() if held & wanted)


def managed_by(person: Any) -> frozenset[int]:
    """The programmes ``person`` coordinates (all of them for a site administrator)."""
    return programmes_of(person, (ProgrammeRole.coordinator,))


def covered(person: Any) -> frozenset[int] | None:
    """The programmes a report for ``person`` covers: those they coordinate; None (all) for
    a site administrator."""
    return None if is_admin(person) else managed_by(person)


def holds(person: Any, programme_id: int | None, roles: Iterable[ProgrammeRole]) -> bool:
    if not _signed_in(person) or programme_id is None:
        return False
    return is_admin(person) or bool(roles_in(person).get(programme_id, frozenset()) & set(roles))


def may_manage(person: Any, programme_id: int | None) -> bool:
    """Coordinate the programme: change anything in it, see its people and reports."""
    return holds(person, programme_id, (ProgrammeRole.coordinator,))


def may_teach(person: Any, programme_id: int | None) -> bool:
    """Plan and teach workshops in the programme (its trainers and coordinators)."""
    return holds(person, programme_id, TEACHING)


def is_staff(person: Any, programme_id: int | None) -> bool:
    """Staff of the programme (coordinator, trainer or advisor), or a site administrator."""
    return holds(person, programme_id, STAFF)


def scope(column: Any, person: Any, roles: Iterable[ProgrammeRole] = (ProgrammeRole.coordinator,)):
    """A WHERE clause keeping the rows whose ``column`` (a ``programme_id``) is a programme
    where ``person`` holds one of ``roles``: every row for a site administrator."""
    if is_admin(person):
        return sa.true()
    ids = programmes_of(person, roles)
    return column.in_(sorted(ids)) if ids else sa.false()


def asker() -> Any:
    """Who asks in this request (None outside one: the shell and the worker see all)."""
    from flask import has_request_context

    from lms.security import current_person

    return current_person() if has_request_context() else None


def scope_for(
    column: Any, person: Any = None, roles: Iterable[ProgrammeRole] = (ProgrammeRole.coordinator,)
):
    """:func:`scope` for ``person``, by default whoever asks in this request; outside a
    request (the CLI, the worker, the demo) nothing is hidden."""
    from flask import has_request_context

    if person is None:
        if not has_request_context():
            return sa.true()
        person = asker()
    return scope(column, person, roles)


def programme_for_new(
    person: Any,
    requested: Any = None,
    roles: Iterable[ProgrammeRole] = (ProgrammeRole.coordinator,),
) -> int:
    """Where ``person`` may put a new workshop, cohort, entity or topic: the programme they
    asked for (404 when there is none, 403 when it is not theirs), else their only one (422
    when they hold several and named none)."""
    roles = tuple(roles)
    if requested not in (None, ""):
        try:
            if isinstance(requested, bool | float):
                raise TypeError
            programme_id = int(requested)
        except (TypeError, ValueError):
            raise DomainError(
                _l("The field “%(name)s” must be a whole number.", name="programme_id"),
                code="invalid_programme_id",
            ) from None
        if not is_id(programme_id) or queries.get_programme(programme_id) is None:
            raise NotFound(_l("There is no such programme."))
        if not holds(person, programme_id, roles):
            raise Forbidden(_l("You do not work in that programme."))
        return programme_id
    mine = programmes_of(person, roles)
    if len(mine) == 1:
        return next(iter(mine))
    if not mine:
        raise Forbidden(_l("You do not work in any programme."))
    raise DomainError(_l("Please choose the programme (programme_id)."), code="programme_required")


def choices_for(person: Any, roles: Iterable[ProgrammeRole] = (ProgrammeRole.coordinator,)):
    """The programmes a form offers ``person`` for a new thing, by name."""
    return [(p.id, p.name) for p in queries.programmes_by_id(programmes_of(person, roles))]


def managed(programme_id: int) -> Programme:
    """The programme, for its coordinators and site administrators; 404 or 403 otherwise."""
    from lms.security import current_person

    programme = queries.get_programme(programme_id)
    if programme is None:
        raise NotFound(_l("There is no such programme."))
    if not may_manage(current_person(), programme.id):
        raise Forbidden(_l("Only a coordinator of the programme can do that."))
    return programme


def administered() -> Any:
    """The person asking, when they are a site administrator; a 403 otherwise."""
    from lms.security import current_person

    person = current_person()
    if not is_admin(person):
        raise Forbidden(_l("Only a site administrator can do that."))
    return person
