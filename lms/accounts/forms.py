from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.enums import choices
from lms.errors import one_line
from lms.i18n import LANGUAGE_NAMES

from .operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

TIMEZONES = (
    "Europe/Madrid",
    "Atlantic/Canary",
    "Europe/Lisbon",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "America/Mexico_City",
    "America/Lima",
    "America/Santiago",
    "UTC",
)


class SignUpForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=120)])
    locale = SelectField(
        _l("Language"), choices=choices(LANGUAGE_NAMES.items(), blank=_l("Same as my browser"))
    )
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in TIMEZONES))


def _new_password() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = _new_password()


class CloseAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class PasswordForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class PasswordResetForm(FlaskForm):
    new = _new_password()
