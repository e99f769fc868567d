"""The feeds' route of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lms.api import bp
from lms.apispec import declare
from lms.db import db
from lms.security import current_person, roles_required

from . import operations
from .views import feed_urls


class FeedAddress(BaseModel):
    feed_url: str = Field(examples=["https://aula.example.org/calendar/abc.ics"])
    webcal_url: str = Field(examples=["webcal://aula.example.org/calendar/abc.ics"])


@bp.post("/me/calendar-token")
@roles_required()
@declare(who="signed in", answers={201: FeedAddress})
def new_calendar_token():
    """A new personal feed address; the previous one answers 404 from now on."""
    token = operations.replace_token(current_person())
    db.session.commit()
    return FeedAddress(**feed_urls(token)), 201
