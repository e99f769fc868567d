from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import TIMEZONES
from lms.accounts.models import Role
from lms.enums import choices
from lms.errors import one_line
from lms.i18n import LANGUAGE_NAMES


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=Role.choices(), default=Role.learner.value)
    locale = SelectField(
        _l("Language"), choices=choices(LANGUAGE_NAMES.items(), blank=_l("Same as the browser"))
    )
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in TIMEZONES))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=Role.choices())


class WorkshopChoiceForm(FlaskForm):
    """A workshop to enrol someone in, or the other date to move them to."""

    workshop_id = SelectField(_l("Workshop"), choices=[], validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField(_l("File (.csv or .xlsx)"), validators=[FileRequired()])
