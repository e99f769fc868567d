"""The report's filters: a GET form (nothing changes, so no CSRF token)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectField
from wtforms.validators import Optional, ValidationError

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _plausible(_form: FlaskForm, field: Field) -> None:
    if field.data is not None and not (EARLIEST <= field.data <= LATEST):
        field.data = None
        raise ValidationError(_l("Please give a date between 2000 and 2099."))


class ReportFilters(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional(), _plausible])
    date_to = DateField(_l("To"), validators=[Optional(), _plausible])
    topic = SelectField(_l("Topic"), choices=[], validators=[Optional()], validate_choice=False)
    trainer = SelectField(_l("Trainer"), choices=[], validators=[Optional()], validate_choice=False)
    entity = SelectField(_l("Entity"), choices=[], validators=[Optional()], validate_choice=False)
