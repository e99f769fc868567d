"""The attendance sheet, a learner's history, a trainer's workshops, CSV and certificate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.db import db
from lms.errors import DomainError, carry_out, refuse
from lms.security import roles_required

from ..workshops.models import Attendance
from ..workshops.permissions import managed
from . import exports, operations, queries
from .forms import CsrfOnlyForm, chosen_statuses, field_name, sheet_form

bp = Blueprint("attendance", __name__)


def _to_sheet(workshop_id: int):
    return redirect(url_for(".sheet", workshop_id=workshop_id), 303)


@bp.get("/workshops/<int:workshop_id>/attendance")
@roles_required()
def sheet(workshop_id: int):
    workshop = managed(workshop_id)
    is_open = not workshop.is_cancelled and workshop.has_started()
    if is_open and operations.prefill_from_joins(workshop.id):
        db.session.commit()
    lines = queries.sheet(workshop.id)
    return render_template(
        "courses/attendance/sheet.html",
        workshop=workshop,
        lines=lines,
        form=sheet_form(lines),
        all_present_form=CsrfOnlyForm(),
        is_open=is_open,
        field_name=field_name,
    )


@bp.post("/workshops/<int:workshop_id>/attendance")
@roles_required()
def save(workshop_id: int):
    workshop = managed(workshop_id)
    lines = queries.sheet(workshop.id)
    form = sheet_form(lines)
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _to_sheet(workshop_id)
    return carry_out(
        lambda: operations.mark_many(workshop.id, chosen_statuses(form, lines), by=current_user),
        url_for(".sheet", workshop_id=workshop_id),
        _("Attendance saved."),
    )


@bp.post("/workshops/<int:workshop_id>/attendance/all-present")
@roles_required()
def all_present(workshop_id: int):
    workshop = managed(workshop_id)
    if not CsrfOnlyForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return _to_sheet(workshop_id)
    try:
        changed = operations.mark_all_present(workshop.id, by=current_user)
    except DomainError as e:
        return refuse(e, url_for(".sheet", workshop_id=workshop_id))
    db.session.commit()
    flash(
        ngettext("%(num)d person marked present.", "%(num)d people marked present.", changed),
        "success",
    )
    return _to_sheet(workshop_id)


@bp.get("/workshops/<int:workshop_id>/attendance.csv")
@roles_required()
def workshop_csv(workshop_id: int):
    workshop = managed(workshop_id)
    day = workshop.starts_at.astimezone(workshop.zone).strftime("%Y-%m-%d")
    rows = queries.export_rows([workshop.id])
    return exports.csv_response(rows, f"attendance-workshop-{workshop.id}-{day}.csv")


@bp.get("/workshops/<int:workshop_id>/certificate")
@roles_required()
def certificate(workshop_id: int):
    seat = queries.seat_of(workshop_id, current_user.id)
    if seat is None:
        abort(404)
    if not seat.attended:
        abort(403)
    return render_template("courses/attendance/certificate.html", workshop=seat.workshop)


@bp.get("/me/attendance")
@roles_required()
def history():
    return render_template(
        "courses/attendance/history.html",
        lines=queries.history_of(current_user.id),
    )


@bp.get("/teaching/attendance")
@roles_required("trainer", "coordinator")
def teaching():
    return render_template(
        "courses/attendance/teaching.html",
        statuses=list(Attendance),
        tallies=queries.tallies(current_user.id),
    )
