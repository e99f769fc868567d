"""The door to a workshop's room (``/workshops/<id>/join``) and the trainer's room settings.

The room's address never appears in a page: the door checks who knocks, records the join and
redirects. ``GET`` (the address in mails) changes nothing: within the window it shows a button
that POSTs (with its CSRF token) to the same address. ``POST`` answers 303 to the room within
the window. Both answer 200 with the opening time before it; 410 after the end or for a
cancelled workshop; 403 for anyone not entitled; ``POST`` 503 when the provider cannot open the
room now.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from courses.workshops import permissions as workshop_permissions
from lms.db import db
from lms.enums import choices
from lms.errors import DomainError
from lms.plugins.video import RoomUnavailable
from lms.security import roles_required

from . import operations, queries
from .forms import RoomForm
from .queries import Timing

bp = Blueprint("video", __name__)
log = logging.getLogger(__name__)
SITE_DEFAULT = ""


def _page(template: str, code: int, **context):
    response = make_response(render_template(template, **context), code)
    response.headers["Cache-Control"] = "no-store"
    return response


def refusal(workshop, user) -> str:
    if queries.is_waiting(workshop, user):
        return _("You are on the waiting list: the room opens to you if a seat is freed for you.")
    return _(
        "Only the people enrolled in this workshop, its trainer and the coordinators can "
        "enter its video room."
    )


def _door(workshop_id: int):
    """The checks shared by the door's GET and POST: the workshop and the person's role, or
    the page that refuses them (403, or the room not open: 200 before, 410 after)."""
    workshop = workshop_permissions.visible(workshop_id)
    role = queries.role_of(workshop, current_user)
    if role is None:
        refused = _page(
            "errors/error.html", 403, status=403, message=refusal(workshop, current_user)
        )
        return workshop, None, refused
    timing = queries.timing(workshop)
    if timing is not Timing.open:
        opens_at, closes_at = queries.window(workshop)
        status = 200 if timing is Timing.early else 410
        closed = _page(
            "scheduler/video/closed.html",
            status,
            workshop=workshop,
            timing=timing.value,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        return workshop, None, closed
    return workshop, role, None


@bp.get("/workshops/<int:workshop_id>/join")
@roles_required()
def door(workshop_id: int):
    """The address in mails and invitations. Reading it changes nothing (no join recorded, no
    room made, no call to the video service): within the window it shows the button that
    enters, so that a link scanner or a browser's prefetch never counts as being there."""
    if request.method == "HEAD":  # a link checker looks; nobody enters, nothing is recorded
        workshop_permissions.visible(workshop_id)
        return _page("errors/error.html", 204, status=204, message="")
    workshop, _role, refused = _door(workshop_id)
    if refused is not None:
        return refused
    _opens_at, closes_at = queries.window(workshop)
    return _page("scheduler/video/door.html", 200, workshop=workshop, closes_at=closes_at)


@bp.post("/workshops/<int:workshop_id>/join")
@roles_required()
def join(workshop_id: int):
    """Enter: the join is recorded for attendance and the person sent to the room (303)."""
    workshop, role, refused = _door(workshop_id)
    if refused is not None:
        return refused
    user_id = current_user.id
    try:
        address = operations.address_for(workshop, current_user, role)
    except RoomUnavailable as e:
        message = e.message or _(
            "The video room cannot be opened right now. Please try again in a minute."
        )
        return _page("errors/error.html", 503, status=503, message=message)
    operations.note_join(workshop_id, user_id)
    db.session.commit()
    log.info("room opened: workshop %s, user %s, as %s", workshop_id, user_id, role.value)
    response = redirect(address, 303)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/workshops/<int:workshop_id>/room", methods=["GET", "POST"])
@roles_required()
def settings(workshop_id: int):
    workshop = workshop_permissions.managed(workshop_id)
    room = queries.room_of(workshop.id)
    default = queries.provider(queries.provider_name(None))
    form = RoomForm(
        data={"provider": (room and room.provider) or SITE_DEFAULT, "link": room and room.link}
    )
    default_label = str(default.label) if default else ""
    form.provider.choices = choices(
        [(SITE_DEFAULT, _("The site's default (%(name)s)", name=default_label)), *queries.choices()]
    )
    status = 200
    if form.validate_on_submit():
        try:
            operations.set_room(workshop, form.provider.data or None, form.link.data or "")
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            status = e.status
        else:
            db.session.commit()
            flash(_("The video room's settings are saved."), "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop_id), 303)
    elif form.errors:
        status = 422
    return _page("scheduler/video/settings.html", status, workshop=workshop, form=form)
