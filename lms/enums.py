"""Names people read: enums whose members carry their translated label, and form choices.

A state, a role or a kind is defined once, with the word people read next to the value that is
stored and that the API shows::

    class ProgressStatus(Labelled):
        on_track = "on_track", _l("On track")

``ProgressStatus.on_track.value`` is ``"on_track"``, ``.label`` its lazily translated label,
and ``ProgressStatus.choices()`` the options of a form's select, so that no page or form
repeats the values by hand.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from lms.errors import DomainError

L = TypeVar("L", bound="Labelled")


class Labelled(enum.Enum):
    """An enum whose members are ``value, label`` (or ``value, label, description``)."""

    label: Any
    description: Any

    def __new__(cls, value: str, label: Any = None, description: Any = None) -> Labelled:
        member = object.__new__(cls)
        member._value_ = value
        member.label = label
        member.description = description if description is not None else label
        return member

    def __str__(self) -> str:
        return str(self.label)

    @classmethod
    def parse(cls: type[L], value: Any, field: str, *, code: str | None = None) -> L:
        """The member whose value is ``value``, or a 422 naming ``field`` and the values."""
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except (ValueError, TypeError):
            raise DomainError(
                _l(
                    "The field “%(name)s” must be one of: %(values)s.",
                    name=field,
                    values=", ".join(m.value for m in cls),
                ),
                code=code or f"invalid_{field}",
            ) from None

    @classmethod
    def choices(cls, *, blank: Any = None, members: Iterable[Labelled] | None = None) -> list:
        """The form options, in definition order, after an optional ``blank`` first one."""
        return choices(((m.value, m.label) for m in members or cls), blank=blank)


def choices(pairs: Iterable[tuple[Any, Any]], *, blank: Any = None) -> list[SelectChoice]:
    """``(value, label)`` pairs as a form's options, after an optional ``blank`` (value "")."""
    options = [SelectChoice(value, label) for value, label in pairs]
    return [SelectChoice("", blank), *options] if blank is not None else options


def optional_id(value: Any) -> int:
    """A select's chosen id, or 0 for its blank option (``coerce=`` of a select of records)."""
    return int(str(value)) if str(value).isdigit() else 0


def offer(field: Any, value: Any, label: Any = None) -> None:
    """Make sure a select offers ``value`` (a record's own time zone that the list lacks)."""
    if all(choice.value != value for choice in field.choices):
        field.choices.insert(0, SelectChoice(value, label or value))
