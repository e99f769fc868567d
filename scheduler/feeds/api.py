"""The feeds' route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import jsonify

from lms.api import auth_required, bp, current_api_user
from lms.db import db

from . import operations
from .views import feed_urls


@bp.post("/me/calendar-token")
@auth_required()
def new_calendar_token():
    """A new personal feed address; the previous one answers 404 from now on."""
    token = operations.replace_token(current_api_user())
    db.session.commit()
    return jsonify(feed_urls(token)), 201
