"""The programme a form's new thing goes in: offered only to people who work in several."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from lms.enums import choices

from .models import ProgrammeRole
from .permissions import choices_for


def programme_field() -> SelectField:
    return SelectField(_l("Programme"), coerce=int, validate_choice=False)


def offer_programmes(
    field: Any, roles: tuple[ProgrammeRole, ...] = (ProgrammeRole.coordinator,)
) -> None:
    """Fill ``field`` with the programmes the signed-in person may put a new thing in."""
    field.choices = choices(choices_for(current_user, roles))


def chosen(field: Any) -> int | None:
    """The programme chosen, or None when the form offered one (or none) and showed nothing
    (:func:`lms.programmes.permissions.programme_for_new` then takes the only one)."""
    return field.data if len(field.choices or ()) > 1 else None
