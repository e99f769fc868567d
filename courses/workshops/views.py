from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import db
from lms.errors import DomainError
from lms.i18n import reader_zone

from . import operations, queries
from .models import Audience, EnrolmentState

bp = Blueprint("workshops", __name__)


def _date_arg(name: str, zone: ZoneInfo) -> datetime | None:
    value = request.args.get(name, "")
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), zone)
    except ValueError:
        return None


@bp.get("/")
def catalogue():
    zone = reader_zone()
    starts_from, starts_to = _date_arg("from", zone), _date_arg("to", zone)
    topic = request.args.get("topic", "").strip()
    workshops = queries.catalogue(
        topic=topic or None,
        starts_from=starts_from,
        starts_to=starts_to + timedelta(days=1) if starts_to else None,
    )
    places = {}
    if current_user.is_authenticated:
        places = {
            p.enrolment.workshop_id: p for p in queries.places_of(current_user.id, live_only=True)
        }
    return render_template(
        "courses/workshops/catalogue.html",
        workshops=workshops,
        places=places,
        topics=queries.topics(),
        topic=topic,
        date_from=request.args.get("from", "") if starts_from else "",
        date_to=request.args.get("to", "") if starts_to else "",
    )


def _visible_workshop(workshop_id: int):
    workshop = queries.get_workshop(workshop_id)
    if workshop is None:
        abort(404)
    if workshop.audience is not Audience.public and not _may_see_restricted(workshop):
        abort(404)
    return workshop


def _may_see_restricted(workshop) -> bool:
    if not current_user.is_authenticated:
        return False
    return workshop.can_be_managed_by(current_user) or queries.place(workshop.id, current_user.id)


@bp.get("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    workshop = _visible_workshop(workshop_id)
    place = None
    if current_user.is_authenticated:
        place = queries.place(workshop.id, current_user.id)
    return render_template("courses/workshops/detail.html", workshop=workshop, place=place)


@bp.post("/workshops/<int:workshop_id>/enrol")
@login_required
def enrol(workshop_id: int):
    _visible_workshop(workshop_id)
    try:
        enrolment, changed = operations.enrol(workshop_id, current_user)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for(".detail", workshop_id=workshop_id)), 303
    db.session.commit()
    if not changed:
        flash(_("You already have a place in this workshop."), "info")
    elif enrolment.state is EnrolmentState.enrolled:
        flash(_("You are enrolled. See you there!"), "success")
    else:
        position = queries.place(workshop_id, current_user.id).position
        flash(
            _("The workshop is full: you are number %(n)d on the waiting list.", n=position),
            "info",
        )
    return redirect(url_for(".detail", workshop_id=workshop_id), 303)


@bp.post("/workshops/<int:workshop_id>/withdraw")
@login_required
def withdraw(workshop_id: int):
    _visible_workshop(workshop_id)
    try:
        operations.withdraw(workshop_id, current_user.id)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for(".detail", workshop_id=workshop_id), 303)
    db.session.commit()
    flash(_("You have given up your place."), "info")
    return redirect(url_for(".detail", workshop_id=workshop_id), 303)


@bp.get("/me/workshops")
@login_required
def mine():
    return render_template(
        "courses/workshops/mine.html",
        places=queries.places_of(current_user.id, live_only=True),
        teaching=queries.taught_by(current_user.id) if current_user.can_teach else [],
    )
