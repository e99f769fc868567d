from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.accounts.models import User
from lms.enums import choices
from lms.errors import DomainError, NotFound, one_line
from lms.programmes.forms import offer_programmes, programme_field

from .models import EntityKind, MemberRole, Need

FACTOR = choices((str(n), str(n)) for n in range(1, 6))


class EntityForm(FlaskForm):
    name = StringField(_l("Name"), filters=[one_line], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=EntityKind.choices())
    sector = StringField(_l("Sector"), filters=[one_line], validators=[Optional(), Length(max=100)])
    size = IntegerField(
        _l("People working in it"), validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )
    programme_id = programme_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_programmes(self.programme_id)


class PersonForm(FlaskForm):
    """Names a person by e-mail address (the page), or by id (as the API does)."""

    user_id = IntegerField(validators=[Optional()])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])

    def person(self) -> User:
        """The person named, found with one query. A vanished id is a 404; an address
        nobody has, or none at all, a refusal that says so."""
        from .queries import chosen_person

        if self.user_id.data:
            person = chosen_person(self.user_id.data, None)
            if person is None:
                abort(404)
            return person
        email = (self.email.data or "").strip()
        if not email:
            raise DomainError(_l("Please give the person's e-mail address."), code="missing")
        person = chosen_person(None, email)
        if person is None:
            raise NotFound(
                _l("Nobody has the e-mail address %(email)s.", email=email), code="no_person"
            )
        return person


class MemberForm(PersonForm):
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
