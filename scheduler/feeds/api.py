"""The feeds' route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import jsonify

from lms.api import bp
from lms.db import db
from lms.security import current_person, roles_required

from . import operations
from .views import feed_urls


@bp.post("/me/calendar-token")
@roles_required()
def new_calendar_token():
    """A new personal feed address; the previous one answers 404 from now on."""
    token = operations.replace_token(current_person())
    db.session.commit()
    return jsonify(feed_urls(token)), 201
