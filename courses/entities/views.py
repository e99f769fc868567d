"""Entity pages: the coordinator's list and forms, and an entity's own page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import pagination
from lms.db import db
from lms.errors import DomainError, carry_out, refuse
from lms.programmes.forms import chosen
from lms.security import roles_required

from . import operations, permissions, queries
from .forms import DiagnosisForm, EntityForm, MemberForm

bp = Blueprint("entities", __name__)


@bp.route("/entities", methods=["GET", "POST"])
@roles_required("coordinator")
def index():
    form = EntityForm()
    if form.validate_on_submit():
        try:
            entity = operations.create_entity(
                programme_id=permissions.programme_for_new(chosen(form.programme_id)),
                name=form.name.data,
                kind=form.kind.data,
                sector=form.sector.data or "",
                size=form.size.data,
            )
        except DomainError as e:
            return refuse(e, url_for(".index"))
        db.session.commit()
        flash(_("%(name)s has been added.", name=entity.name), "success")
        return redirect(url_for(".detail", entity_id=entity.id), 303)
    status = 422 if form.errors else 200
    window = pagination.requested()
    page = pagination.cut(queries.all_entities(window), window)
    return render_template(
        "courses/entities/index.html", form=form, entities=page.items, page=page
    ), status


@bp.get("/entities/<int:entity_id>")
@roles_required()
def detail(entity_id: int):
    entity = permissions.entity_for(entity_id)
    return render_template(
        "courses/entities/detail.html",
        entity=entity,
        member_form=MemberForm(),
        show_diagnosis=permissions.may_see_diagnosis(current_user, entity),
    )


@bp.post("/entities/<int:entity_id>/members")
@roles_required("coordinator")
def add_member(entity_id: int):
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    form = MemberForm()
    target = url_for(".detail", entity_id=entity_id)
    if not form.validate_on_submit():
        flash(_("Please choose a person and a role."), "error")
        return redirect(target, 303)
    try:
        person = form.person()
    except DomainError as e:
        return refuse(e, target)
    return carry_out(
        lambda: operations.add_member(entity_id, person, form.role.data),
        target,
        _("The member has been added."),
    )


@bp.post("/entities/<int:entity_id>/members/<int:user_id>/remove")
@roles_required("coordinator")
def remove_member(entity_id: int, user_id: int):
    permissions.entity_for(entity_id, permissions.EntityRight.manage)
    return carry_out(
        lambda: operations.remove_member(entity_id, user_id),
        url_for(".detail", entity_id=entity_id),
        _("The member has been taken off the entity."),
        "info",
    )


@bp.route("/entities/<int:entity_id>/diagnosis", methods=["GET", "POST"])
@roles_required("coordinator")
def diagnosis(entity_id: int):
    entity = permissions.entity_for(entity_id, permissions.EntityRight.manage)
    form = DiagnosisForm(obj=entity.diagnosis) if entity.diagnosis else DiagnosisForm()
    if entity.diagnosis and not form.is_submitted():
        form.readiness.data = str(entity.diagnosis.readiness)
        form.market.data = str(entity.diagnosis.market)
        form.capacity.data = str(entity.diagnosis.capacity)
        form.needs.data = entity.diagnosis.need_list
    if form.validate_on_submit():
        try:
            operations.record_diagnosis(
                entity.id,
                readiness=int(form.readiness.data),
                market=int(form.market.data),
                capacity=int(form.capacity.data),
                needs=form.needs.data or [],
                notes=form.notes.data or "",
                assessed_by=current_user,
            )
        except DomainError as e:
            return refuse(e, url_for(".diagnosis", entity_id=entity.id))
        db.session.commit()
        flash(_("The diagnosis has been saved."), "success")
        return redirect(url_for(".detail", entity_id=entity.id), 303)
    status = 422 if form.errors else 200
    return render_template("courses/entities/diagnosis.html", entity=entity, form=form), status
