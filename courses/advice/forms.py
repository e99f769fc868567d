from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.enums import optional_id

from .models import Urgency


class IntakeForm(FlaskForm):
    """The intake form: what a person asks the advice desk for."""

    topic_id = SelectField(_l("Topic"), coerce=optional_id, validate_choice=False)
    entity_id = SelectField(_l("Your organisation"), coerce=optional_id, validate_choice=False)
    organisation = StringField(
        _l("Or the name of a new organisation"), validators=[Optional(), Length(max=200)]
    )
    need = TextAreaField(_l("What do you need?"), validators=[DataRequired(), Length(max=5000)])
    urgency = SelectField(_l("How urgent is it?"), choices=Urgency.choices(), default="normal")
    advisor_id = SelectField(_l("Advisor"), coerce=optional_id, validate_choice=False)
    consent = BooleanField(
        _l("I agree that this request is counted, without my name, in the programme's figures.")
    )
