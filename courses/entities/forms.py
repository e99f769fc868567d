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

KINDS = [
    ("cooperative", _l("Cooperative")),
    ("association", _l("Association")),
    ("business", _l("Business")),
    ("council", _l("Town council")),
]
ROLES = [("member", _l("Member")), ("referent", _l("Referent"))]
FACTOR = [(str(n), str(n)) for n in range(1, 6)]
NEED_LABELS = {
    "digital_skills": _l("Basic digital skills"),
    "cloud_tools": _l("Cloud and shared documents"),
    "teamwork": _l("Teamwork and task tools"),
    "website": _l("Website"),
    "online_sales": _l("Online sales"),
    "social_media": _l("Social media"),
    "management_erp": _l("Management software (ERP such as Odoo)"),
    "data_protection": _l("Data protection and privacy"),
    "free_software": _l("Moving to free software"),
}
TRACK_LABELS = {
    "foundations": _l("Foundations: digital skills and first tools"),
    "tools": _l("Tools: adopt tools and change processes step by step"),
    "transformation": _l("Transformation: rethink how the organisation works"),
}


class EntityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KINDS)
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=100)])
    size = IntegerField(
        _l("People working in it"), validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    role = SelectField(_l("Role"), choices=ROLES)


class DiagnosisForm(FlaskForm):
    readiness = SelectField(_l("Readiness for change (1 to 5)"), choices=FACTOR, default="3")
    market = SelectField(
        _l("How digital its market can become (1 to 5)"), choices=FACTOR, default="3"
    )
    capacity = SelectField(_l("Size and people available (1 to 5)"), choices=FACTOR, default="3")
    needs = SelectMultipleField(
        _l("Needs"),
        choices=list(NEED_LABELS.items()),
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
