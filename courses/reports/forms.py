"""The report's filters: a GET form (nothing changes, so no CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


class ReportFilters(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    topic = SelectField(_l("Topic"), choices=[], validators=[Optional()], validate_choice=False)
    trainer = SelectField(_l("Trainer"), choices=[], validators=[Optional()], validate_choice=False)
