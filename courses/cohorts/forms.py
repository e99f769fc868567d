from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.accounts.forms import TIMEZONES
from lms.enums import choices, optional_id
from lms.errors import one_line
from lms.programmes.forms import offer_programmes, programme_field

from ..entities.forms import PersonForm
from ..entities.models import Track
from .models import ProgressStatus, StepKind

WEEKDAYS = choices(
    enumerate(
        [
            _l("Monday"),
            _l("Tuesday"),
            _l("Wednesday"),
            _l("Thursday"),
            _l("Friday"),
            _l("Saturday"),
            _l("Sunday"),
        ],
        start=1,
    )
)


class StepForm(Form):
    kind = SelectField(_l("Kind"), choices=StepKind.choices(blank=_l("(unused row)")), default="")
    title = StringField(_l("Title"), filters=[one_line], validators=[Optional(), Length(max=200)])
    week = IntegerField(_l("Week"), default=1, validators=[Optional()])
    weekday = SelectField(_l("Weekday"), choices=WEEKDAYS, coerce=int, default=1)
    start_time = StringField(_l("Start (HH:MM)"), default="10:00", validators=[Optional()])
    duration_minutes = IntegerField(_l("Minutes"), default=60, validators=[Optional()])
    repeat_every_weeks = IntegerField(_l("Every … weeks"), default=1, validators=[Optional()])
    repeat_count = IntegerField(_l("Times"), default=1, validators=[Optional()])


class ItineraryForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    track = SelectField(_l("Suits"), choices=Track.choices(blank=_l("Any entity")), default="")
    steps = FieldList(FormField(StepForm), min_entries=8)
    programme_id = programme_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_programmes(self.programme_id)


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=200)])
    itinerary_id = SelectField(_l("Itinerary"), coerce=int)
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in TIMEZONES))
    capacity = IntegerField(
        _l("Entities"), default=10, validators=[DataRequired(), NumberRange(min=1, max=40)]
    )


class AdmitForm(FlaskForm):
    entity_id = SelectField(_l("Entity"), coerce=optional_id)


class MentorForm(PersonForm):
    """The mentor, by e-mail address: the page offers staff (``entity_queries.staff``) once."""


class CheckInForm(FlaskForm):
    week = IntegerField(_l("Week"), validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=ProgressStatus.choices())
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
