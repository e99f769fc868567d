"""The attendance sheet, a learner's history, a trainer's workshops, CSV and certificate."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.db import db
from lms.errors import DomainError, carry_out, refuse
from lms.security import roles_required

from ..workshops.models import Attendance
from ..workshops.permissions import managed
from . import certificates, exports, operations, queries
from .forms import CsrfOnlyForm, chosen_statuses, field_name, sheet_form

bp = Blueprint("attendance", __name__)


def _to_sheet(workshop_id: int):
    return redirect(url_for(".sheet", workshop_id=workshop_id), 303)


@bp.get("/workshops/<int:workshop_id>/attendance")
@roles_required()
def sheet(workshop_id: int):
    """Reading the sheet changes nothing: people who entered the room before the start and
    have no mark yet are shown pre-filled as present, and become so when the sheet is saved."""
    workshop = managed(workshop_id)
    is_open = not workshop.is_cancelled and workshop.has_started()
    lines = queries.sheet(workshop.id)
    from_room = queries.unmarked_joiners(workshop) if is_open else set()
    return render_template(
        "courses/attendance/sheet.html",
        workshop=workshop,
        lines=lines,
        from_room=from_room,
        form=sheet_form(lines, from_room),
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


def _workshop_export(workshop_id: int, fmt: str):
    workshop = managed(workshop_id)
    day = workshop.starts_at.astimezone(workshop.zone).strftime("%Y-%m-%d")
    rows = queries.export_rows([workshop.id])
    respond = exports.xlsx_response if fmt == "xlsx" else exports.csv_response
    return respond(rows, f"attendance-workshop-{workshop.id}-{day}.{fmt}")


@bp.get("/workshops/<int:workshop_id>/attendance.csv")
@roles_required()
def workshop_csv(workshop_id: int):
    return _workshop_export(workshop_id, "csv")


@bp.get("/workshops/<int:workshop_id>/attendance.xlsx")
@roles_required()
def workshop_xlsx(workshop_id: int):
    return _workshop_export(workshop_id, "xlsx")


def _own_certificate(workshop_id: int) -> certificates.Certificate:
    """The signed-in person's certificate: 404 without a seat, 403 for a seat not attended."""
    seat = queries.seat_of(workshop_id, current_user.id)
    if seat is None:
        abort(404)
    certificate = certificates.of_seat(workshop_id, current_user.id)
    if certificate is None:
        abort(403)
    return certificate


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _needs_pdf() -> None:
    if not certificates.pdf_available():
        abort(404)


@bp.get("/workshops/<int:workshop_id>/certificate")
@roles_required()
def certificate(workshop_id: int):
    return render_template(
        "courses/attendance/certificate.html",
        certificate=_own_certificate(workshop_id),
        pdf_available=certificates.pdf_available(),
    )


@bp.get("/workshops/<int:workshop_id>/certificate.pdf")
@roles_required()
def certificate_pdf(workshop_id: int):
    certificate = _own_certificate(workshop_id)
    _needs_pdf()
    day = certificate.local_start.strftime("%Y-%m-%d")
    return _pdf_response(
        certificates.pdf([certificate], own_language=False),
        f"certificate-workshop-{workshop_id}-{day}.pdf",
    )


@bp.get("/workshops/<int:workshop_id>/certificates.pdf")
@roles_required()
def workshop_certificates_pdf(workshop_id: int):
    """Everyone who came, one page each, each in their own language (for the funder's file)."""
    workshop = managed(workshop_id)
    _needs_pdf()
    found = certificates.of_workshop(workshop.id)
    if not found:
        flash(_("Nobody has attended this workshop yet: there are no certificates."), "error")
        return _to_sheet(workshop_id)
    day = workshop.starts_at.astimezone(workshop.zone).strftime("%Y-%m-%d")
    return _pdf_response(certificates.pdf(found), f"certificates-workshop-{workshop.id}-{day}.pdf")


@bp.get("/certificates/verify")
def verify_form():
    """The verification page's form: send the code typed to its own address."""
    code = (request.args.get("code") or "").strip()
    if not code:
        return _verify_page(None, "", 200)
    return redirect(url_for(".verify", code=code), 303)


@bp.get("/certificates/verify/<path:code>")
def verify(code: str):
    """Public: anyone holding a certificate's code sees whose it is, of what and when."""
    found = certificates.verify(code)
    return _verify_page(found, code, 200 if found else 404)


def _verify_page(found: certificates.Certificate | None, code: str, status: int):
    response = Response(
        render_template("courses/attendance/verify.html", certificate=found, code=code), status
    )
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


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
