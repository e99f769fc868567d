from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, URLField
from wtforms.validators import Length


class RoomForm(FlaskForm):
    provider = SelectField(_l("Video service"), choices=[], validate_choice=True)
    link = URLField(_l("Room address"), validators=[Length(max=2000)])
