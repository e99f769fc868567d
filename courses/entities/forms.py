from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.enums import choices
from lms.errors import one_line

from .models import EntityKind, MemberRole, Need

FACTOR = choices((str(n), str(n)) for n in range(1, 6))


class EntityForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=EntityKind.choices())
    sector = StringField(_l("Sector"), filters=[one_line], validators=[Optional(), Length(max=100)])
    size = IntegerField(
        _l("People working in it"), validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    role = SelectField(_l("Role"), choices=MemberRole.choices())


class DiagnosisForm(FlaskForm):
    readiness = SelectField(_l("Readiness for change (1 to 5)"), choices=FACTOR, default="3")
    market = SelectField(
        _l("How digital its market can become (1 to 5)"), choices=FACTOR, default="3"
    )
    capacity = SelectField(_l("Size and people available (1 to 5)"), choices=FACTOR, default="3")
    needs = SelectMultipleField(
        _l("Needs"),
        choices=Need.choices(),
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
