"""Every change to programmes and their staff."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import Role, User
from lms.accounts.operations import check_locale, check_timezone
from lms.db import begin_write, db
from lms.errors import Conflict, DomainError, NotFound

from . import queries
from .models import Programme, ProgrammeMember, ProgrammeRole
from .permissions import forget

#: The global role that lets a person open the pages of a programme role (the header's links
#: and the role gates of pages): the highest they hold anywhere.
_GLOBAL = {
    ProgrammeRole.coordinator: Role.coordinator,
    ProgrammeRole.trainer: Role.trainer,
    ProgrammeRole.advisor: Role.trainer,
}
_RANK = {Role.learner: 0, Role.trainer: 1, Role.coordinator: 2}


def slugify(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80] or "programme"


def create_programme(
    name: str, *, slug: str = "", locale: str = "", timezone: str = ""
) -> Programme:
    """A new programme; 409 when its address (slug) is taken."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Please give a name."), code="missing")
    slug = slugify(slug or name)
    locale = check_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"])
    if not locale:
        raise DomainError(_l("Please choose a language."), code="invalid_locale")
    timezone = check_timezone(timezone or current_app.config["DEFAULT_TIMEZONE"])
    begin_write()
    if queries.by_slug(slug):
        raise Conflict(_l("A programme with that address already exists."), code="slug_taken")
    programme = Programme(name=name[:200], slug=slug, locale=locale, timezone=timezone)
    db.session.add(programme)
    db.session.flush()
    forget(0)
    return programme


def default_programme() -> Programme:
    """The first programme, made (named after the site) when there is none yet: where objects
    made without naming a programme go (the CLI, older callers, tests)."""
    found = queries.first_programme()
    if found is not None:
        return found
    return create_programme(current_app.config.get("SITE_NAME") or "Aula", slug="aula")


def add_member(programme_id: int, user: User, role: ProgrammeRole | str) -> ProgrammeMember:
    """Give ``user`` ``role`` in the programme (repeating it changes nothing). A staff role
    also raises the person's site-wide role, which opens the pages of that role."""
    role = ProgrammeRole.parse(role, "role")
    begin_write()
    found = queries.membership(programme_id, user.id, role)
    if found is not None:
        return found
    member = ProgrammeMember(programme_id=programme_id, user_id=user.id, role=role)
    db.session.add(member)
    wanted = _GLOBAL.get(role)
    if wanted is not None and _RANK[wanted] > _RANK[user.role]:
        user.role = wanted
    db.session.flush()
    forget(user.id)
    return member


def remove_member(programme_id: int, user_id: int, role: ProgrammeRole | str) -> None:
    role = ProgrammeRole.parse(role, "role")
    begin_write()
    db.session.execute(
        sa.delete(ProgrammeMember).where(
            ProgrammeMember.programme_id == programme_id,
            ProgrammeMember.user_id == user_id,
            ProgrammeMember.role == role,
        )
    )
    forget(user_id)


def set_admin(user: User, admin: bool = True) -> None:
    """Make ``user`` a site administrator (every programme), or stop them being one."""
    begin_write()
    user.is_admin = admin
    if admin and user.role is not Role.coordinator:
        user.role = Role.coordinator
    db.session.flush()
    forget(user.id)


def join(programme_id: int, user: User) -> Any:
    """A person who signed up from a programme's page joins it as a learner."""
    return add_member(programme_id, user, ProgrammeRole.learner)


def ensure_programme(slug: str, name: str, *, locale: str, timezone: str) -> Programme:
    """The programme with ``slug``, made as given when there is none (the demo's)."""
    return queries.by_slug(slug) or create_programme(
        name, slug=slug, locale=locale, timezone=timezone
    )


def set_holidays(programme_id: int, text: str) -> Programme:
    """Name the programme's days of no meeting (checked; "" goes back to the site's)."""
    begin_write()
    programme = queries.get_programme(programme_id)
    if programme is None:
        raise NotFound(_l("There is no such programme."))
    queries.parse_holidays(text)
    programme.holidays = " ".join(text.replace(",", " ").split())[:2000]
    db.session.flush()
    return programme
