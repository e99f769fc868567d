"""People pages for coordinators: the list and search, a new account, a person's page (role,
deactivation, enrolments on their behalf, another date), and the import of a file. Every
"may they" goes through :mod:`courses.people.permissions`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from lms import pagination
from lms.accounts.models import Role
from lms.db import db
from lms.errors import DomainError, NotFound, carry_out, refuse
from lms.security import roles_required

from . import imports, operations, permissions, queries
from .forms import AccountForm, ImportForm, RoleForm, WorkshopChoiceForm

bp = Blueprint("people", __name__)


def _staff() -> Any:
    return permissions.staff_only()._get_current_object()


def _workshop_id(form: WorkshopChoiceForm) -> int:
    value = (form.workshop_id.data or "").strip()
    if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**31):
        raise DomainError(_("Please choose a workshop."), code="missing", status=422)
    return int(value)


@bp.get("/people")
@roles_required()
def index():
    staff = _staff()
    text = request.args.get("q", "")[:100]
    window = pagination.requested()
    page = pagination.cut(queries.search(staff, text, window), window)
    return render_template("courses/people/index.html", page=page, people=page.items, q=text)


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required()
def new():
    staff = _staff()
    form = AccountForm()
    if form.validate_on_submit():
        try:
            person = operations.create_account(
                staff,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                locale=form.locale.data or "",
                timezone=form.timezone.data,
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("courses/people/new.html", form=form), e.status
        db.session.commit()
        flash(_("The account of %(name)s is made; they have been sent a link to choose a "
                "password.", name=person.name), "success")  # fmt: skip
        return redirect(url_for(".detail", user_id=person.id), 303)
    status = 422 if form.errors else 200
    return render_template("courses/people/new.html", form=form), status


@bp.get("/people/<int:user_id>")
@roles_required()
def detail(user_id: int):
    person = permissions.person_for(user_id)
    enrolments = queries.enrolments_of(person)
    live = [e for e in enrolments if e.is_live and e.workshop.is_open_for_enrolment()]
    dates = queries.open_workshops()
    return render_template(
        "courses/people/detail.html",
        person=person,
        enrolments=enrolments,
        other_dates=queries.other_dates([e.workshop for e in live], dates),
        movable={e.workshop_id for e in live},
        open_workshops=dates,
        history=queries.history(person),
        role_form=RoleForm(role=person.role.value),
        choice_form=WorkshopChoiceForm(),
    )


def _target(user_id: int) -> str:
    return url_for(".detail", user_id=user_id)


@bp.post("/people/<int:user_id>/role")
@roles_required()
def set_role(user_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return refuse(DomainError(_("Please choose a role.")), _target(user_id))
    return carry_out(
        lambda: operations.change_role(staff, person, Role(form.role.data)),
        _target(user_id),
        _("The role has been changed."),
    )


@bp.post("/people/<int:user_id>/deactivate")
@roles_required()
def deactivate(user_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    return carry_out(
        lambda: operations.deactivate(staff, person),
        _target(user_id),
        _("The account is deactivated: it can no longer sign in."),
        "info",
    )


@bp.post("/people/<int:user_id>/reactivate")
@roles_required()
def reactivate(user_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    return carry_out(
        lambda: operations.reactivate(staff, person),
        _target(user_id),
        _("The account is active again."),
    )


@bp.post("/people/<int:user_id>/enrol")
@roles_required()
def enrol(user_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    form = WorkshopChoiceForm()
    if not form.validate_on_submit():
        return refuse(DomainError(_("Please choose a workshop.")), _target(user_id))
    try:
        workshop_id = _workshop_id(form)
        enrolment = operations.enrol(staff, person, workshop_id)
    except DomainError as e:
        return refuse(e, _target(user_id))
    db.session.commit()
    if enrolment.state.value == "waitlisted":
        flash(_("The workshop is full: %(name)s is on its waiting list.", name=person.name), "info")
    else:
        flash(_("%(name)s is enrolled.", name=person.name), "success")
    return redirect(_target(user_id), 303)


@bp.post("/people/<int:user_id>/workshops/<int:workshop_id>/withdraw")
@roles_required()
def withdraw(user_id: int, workshop_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    return carry_out(
        lambda: operations.withdraw(staff, person, workshop_id),
        _target(user_id),
        _("%(name)s has been withdrawn.", name=person.name),
        "info",
    )


@bp.post("/people/<int:user_id>/workshops/<int:workshop_id>/move")
@roles_required()
def move(user_id: int, workshop_id: int):
    staff, person = _staff(), permissions.person_for(user_id)
    form = WorkshopChoiceForm()
    if not form.validate_on_submit():
        return refuse(DomainError(_("Please choose a workshop.")), _target(user_id))
    try:
        enrolment = operations.move(staff, person, workshop_id, _workshop_id(form))
    except DomainError as e:
        return refuse(e, _target(user_id))
    db.session.commit()
    if enrolment.state.value == "waitlisted":
        flash(_("The other date is full: %(name)s is on its waiting list.", name=person.name),
              "info")  # fmt: skip
    else:
        flash(_("%(name)s has moved to the other date.", name=person.name), "success")
    return redirect(_target(user_id), 303)


# -- import --------------------------------------------------------------------------------


def _import_page(form: ImportForm, status: int = 200, error: str = ""):
    return render_template(
        "courses/people/import.html",
        form=form,
        error=error,
        required=imports.REQUIRED,
        optional=imports.OPTIONAL,
        max_rows=imports.MAX_ROWS,
    ), status


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required()
def import_file():
    staff = _staff()
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422 if form.errors else 200)
    upload = form.file.data
    data = upload.read(imports.MAX_BYTES + 1)
    try:
        staged = operations.stage_import(staff, upload.filename or "", data)
    except DomainError as e:
        db.session.rollback()
        return _import_page(form, e.status, str(e.message))
    db.session.commit()
    return redirect(url_for(".import_preview", import_id=staged.id), 303)


def _pending(import_id: str) -> Any:
    staged = queries.pending_import(import_id, _staff())
    if staged is None:
        raise NotFound(
            _("This import has expired or was already done. Please send the file again.")
        )
    return staged


@bp.get("/people/import/<import_id>")
@roles_required()
def import_preview(import_id: str):
    staged = _pending(import_id)
    window = pagination.requested(default=200)
    start = (window.number - 1) * window.size
    page = pagination.cut(staged.rows[start : start + window.size + 1], window)
    errors = [row for row in staged.rows if row["outcome"] == "error"]
    return render_template(
        "courses/people/preview.html", staged=staged, counts=staged.counts(), page=page,
        rows=page.items, errors=errors[:500], error_count=len(errors),
    )  # fmt: skip


@bp.post("/people/import/<import_id>/confirm")
@roles_required()
def import_confirm(import_id: str):
    staff = _staff()
    try:
        done = operations.confirm_import(staff, import_id)
    except DomainError as e:
        return refuse(e, url_for(".import_preview", import_id=import_id) if e.status == 409
                      else url_for(".import_file"))  # fmt: skip
    db.session.commit()
    flash(_("Imported: %(new)d new accounts, %(updated)d updated.", **done), "success")
    return redirect(url_for(".index"), 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge):
    """A file over the limit: the import page says so, in the reader's language."""
    return _import_page(ImportForm(formdata=None), 413, str(imports.too_big().message))


def allow_files() -> None:
    """The import page takes files larger than the site's other forms."""
    if request.endpoint in ("people.import_file", "api.import_people"):
        request.max_content_length = imports.MAX_BYTES + 64 * 1024
