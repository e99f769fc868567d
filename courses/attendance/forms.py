"""The attendance sheet: one radio group per person holding a seat."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import Optional

from courses.workshops.models import Attendance

from .queries import Line


class CsrfOnlyForm(FlaskForm):
    """A button that changes something: only its CSRF token travels."""


def field_name(user_id: int) -> str:
    return f"status-{user_id}"


def sheet_form(lines: list[Line], from_room: set[int] | None = None) -> FlaskForm:
    """A form with one optional radio group per line, pre-set to the current mark, or to
    present for the people (by user id) in ``from_room``, who entered the room unmarked."""

    class SheetForm(FlaskForm):
        pass

    choices = Attendance.choices()
    for line in lines:
        field = RadioField(
            line.enrolment.user.name,
            choices=choices,
            validators=[Optional()],
            validate_choice=False,  # checked by Attendance.parse, with a clear message
            default=_default(line, from_room or set()),
        )
        setattr(SheetForm, field_name(line.enrolment.user_id), field)
    return SheetForm()


def _default(line: Line, from_room: set[int]) -> str | None:
    if line.status:
        return line.status.value
    return Attendance.present.value if line.enrolment.user_id in from_room else None


def chosen_statuses(form: FlaskForm, lines: list[Line]) -> dict[int, Attendance]:
    """The statuses the form carries, by user id (people left unchosen are not included)."""
    chosen = {}
    for line in lines:
        value = form[field_name(line.enrolment.user_id)].data
        if value:
            chosen[line.enrolment.user_id] = Attendance.parse(value, "status")
    return chosen
