"""Forms of the pages where trainers and coordinators plan workshops."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from lms.accounts.forms import TIMEZONES
from lms.enums import choices
from lms.errors import local_moment, one_line
from lms.i18n import in_zone

from .models import DEFAULT_CAPACITY
from .operations import MAX_CAPACITY


class DatesForm(FlaskForm):
    """A date with a start and an end time, read in the workshop's zone."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    start = TimeField(_l("Starts at"), validators=[DataRequired()])
    end = TimeField(_l("Ends at"), validators=[DataRequired()])
    capacity = IntegerField(
        _l("Seats"),
        default=DEFAULT_CAPACITY,
        validators=[DataRequired(), NumberRange(min=1, max=MAX_CAPACITY)],
    )

    def validate_end(self, field: TimeField) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The workshop must end after it starts."))

    def times(self, zone: str) -> tuple[datetime, datetime]:
        """The start and the end as a clock in ``zone`` shows them (a time the clocks skip is
        refused; one they show twice is the first)."""
        tz = ZoneInfo(zone)
        return (
            local_moment(self.day.data, self.start.data, tz, str(self.start.label.text)),
            local_moment(self.day.data, self.end.data, tz, str(self.end.label.text)),
        )

    def show_times(self, starts_at: datetime, ends_at: datetime, zone: str) -> None:
        tz = ZoneInfo(zone)
        local_start, local_end = in_zone(starts_at, tz), in_zone(ends_at, tz)
        self.day.data, self.start.data, self.end.data = (
            local_start.date(),
            local_start.time(),
            local_end.time(),
        )


class WorkshopForm(DatesForm):
    title = StringField(
        _l("Title"), filters=[one_line], validators=[DataRequired(), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    topic = StringField(_l("Topic"), filters=[one_line], validators=[Length(max=60)])
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in TIMEZONES))
    #: Shown to coordinators only: who teaches it.
    trainer_id = SelectField(_l("Trainer"), coerce=int, validate_choice=False)
    #: Shown to people who plan in several programmes: where it goes.
    programme_id = SelectField(_l("Programme"), coerce=int, validate_choice=False)

    def details(self) -> dict:
        """The workshop's fields as create_workshop and update_workshop take them."""
        starts_at, ends_at = self.times(self.timezone.data)
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "topic": self.topic.data or "",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "timezone": self.timezone.data,
            "capacity": self.capacity.data,
        }
