"""Cohort pages: itineraries, cohort creation, the office's dashboard, check-ins, and a
person's own entities ("My entity")."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.db import db, utcnow
from lms.enums import choices
from lms.errors import DomainError, carry_out, refuse
from lms.programmes.forms import chosen
from lms.security import roles_required

from ..entities import queries as entity_queries
from ..entities.models import Entity
from . import operations, permissions, queries
from .forms import AdmitForm, CheckInForm, CohortForm, ItineraryForm, MentorForm
from .models import CheckIn, CohortMeeting, CohortPlace

bp = Blueprint("cohorts", __name__)
MAX_BUILDER_ROWS = 40


@bp.get("/cohorts")
@roles_required("coordinator")
def index():
    return render_template(
        "courses/cohorts/index.html",
        cohorts=queries.all_cohorts(),
        itineraries=queries.itineraries(),
    )


def _step_rows(form: ItineraryForm) -> list[dict]:
    rows = []
    for entry in form.steps.entries:
        data = entry.form.data
        if not data["kind"]:
            continue
        rows.append({k: v for k, v in data.items() if k != "csrf_token"})
    return rows


def _copy_into(form: ItineraryForm, itinerary_id: int) -> None:
    """Fill a new itinerary's form from one the coordinator may see: a copy to adjust, saved
    as a new itinerary (cohorts laid out from the first keep their schedule)."""
    source = permissions.itinerary_for(itinerary_id)
    form.name.data = _("%(name)s (copy)", name=source.name)[:200]
    form.description.data = source.description
    form.track.data = source.track.value if source.track else ""
    form.programme_id.data = source.programme_id
    while len(form.steps.entries) < len(source.steps):
        form.steps.append_entry()
    for entry, step in zip(form.steps.entries, source.steps, strict=False):
        entry.form.process(
            None,
            data={
                "kind": step.kind.value,
                "title": step.title,
                "week": step.week,
                "weekday": step.weekday,
                "start_time": step.start_time.strftime("%H:%M"),
                "duration_minutes": step.duration_minutes,
                "repeat_every_weeks": step.repeat_every_weeks,
                "repeat_count": step.repeat_count,
            },
        )


@bp.route("/itineraries/new", methods=["GET", "POST"])
@roles_required("coordinator")
def new_itinerary():
    """A new itinerary; ``?copy=<id>`` starts from a copy of that one."""
    form = ItineraryForm()
    copied = request.args.get("copy", type=int)
    if request.method == "GET" and copied is not None:
        _copy_into(form, copied)
    rows = request.args.get("rows", type=int) or 8
    while len(form.steps.entries) < min(rows, MAX_BUILDER_ROWS):
        form.steps.append_entry()
    if form.validate_on_submit():
        try:
            itinerary = operations.create_itinerary(
                programme_id=permissions.programme_for_new(chosen(form.programme_id)),
                name=form.name.data,
                description=form.description.data or "",
                track=form.track.data or None,
                steps=_step_rows(form),
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("courses/cohorts/itinerary_form.html", form=form), e.status
        db.session.commit()
        flash(_("The itinerary %(name)s has been saved.", name=itinerary.name), "success")
        return redirect(url_for(".index"), 303)
    status = 422 if form.errors else 200
    return render_template("courses/cohorts/itinerary_form.html", form=form), status


def _holidays_note(days: list) -> str:
    shown = ", ".join(d.isoformat() for d, _n in days[:6]) + (" …" if len(days) > 6 else "")
    count = sum(n for _d, n in days)
    return ngettext(
        "%(num)d meeting falls on a day the programme does not meet: %(days)s. Move it if it "
        "should not take place.",
        "%(num)d meetings fall on days the programme does not meet: %(days)s. Move them if "
        "they should not take place.",
        count,
        days=shown,
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@roles_required("coordinator")
def new_cohort():
    form = CohortForm()
    form.itinerary_id.choices = choices((i.id, i.name) for i in queries.itineraries())
    if not form.is_submitted():
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        try:
            cohort = operations.create_cohort(
                itinerary_id=permissions.itinerary_for(form.itinerary_id.data).id,
                name=form.name.data,
                starts_on=form.starts_on.data,
                timezone=form.timezone.data,
                capacity=form.capacity.data,
                referent=current_user,
            )
        except DomainError as e:
            return refuse(e, url_for(".new_cohort"))
        db.session.commit()
        flash(_("The cohort %(name)s is open.", name=cohort.name), "success")
        on_holidays = queries.meetings_on_holidays(cohort)
        if on_holidays:
            flash(_holidays_note(on_holidays), "info")
        return redirect(url_for(".dashboard", cohort_id=cohort.id), 303)
    status = 422 if form.errors else 200
    return render_template("courses/cohorts/cohort_form.html", form=form), status


def _admittable(cohort_id: int) -> list:
    """The entities the admit list offers, after a blank first choice: the coordinator picks
    one (none is chosen for her: the first by name was often a mentor's organisation)."""
    entities = queries.entities_without_place(cohort_id)
    return (
        choices(((e.id, e.name) for e in entities), blank=_("Choose an entity")) if entities else []
    )


@bp.get("/cohorts/<int:cohort_id>")
@roles_required()
def dashboard(cohort_id: int):
    cohort = permissions.cohort_for(cohort_id)
    if not permissions.may_follow(current_user, cohort):
        return redirect(url_for(".mine"))  # members and mentors follow it from their entity
    admit_form = AdmitForm()
    admit_form.entity_id.choices = _admittable(cohort.id)
    return render_template(
        "courses/cohorts/dashboard.html",
        board=queries.dashboard(cohort),
        admit_form=admit_form,
        mentor_form=MentorForm(),
        # Offered once for every entity's field; anyone else is named by e-mail address.
        mentor_choices=entity_queries.staff({cohort.programme_id})
        if permissions.may_run(current_user, cohort)
        else [],
    )


@bp.post("/cohorts/<int:cohort_id>/entities")
@roles_required("coordinator")
def admit(cohort_id: int):
    permissions.cohort_for(cohort_id, permissions.may_run)
    form = AdmitForm()
    form.entity_id.choices = _admittable(cohort_id)
    target = url_for(".dashboard", cohort_id=cohort_id)
    if not form.validate_on_submit():
        flash(_("Please choose an entity."), "error")
        return redirect(target, 303)
    try:
        place, _changed = operations.admit_entity(cohort_id, form.entity_id.data)
    except DomainError as e:
        return refuse(e, target)
    db.session.commit()
    if place.is_admitted:
        flash(_("%(name)s has been admitted.", name=place.entity.name), "success")
    else:
        flash(
            _("The cohort is full: %(name)s is on the waiting list.", name=place.entity.name),
            "info",
        )
    return redirect(target, 303)


@bp.post("/cohorts/<int:cohort_id>/entities/<int:entity_id>/leave")
@roles_required("coordinator")
def leave(cohort_id: int, entity_id: int):
    permissions.cohort_for(cohort_id, permissions.may_run)
    return carry_out(
        lambda: operations.remove_entity(cohort_id, entity_id),
        url_for(".dashboard", cohort_id=cohort_id),
        _("The entity has left the cohort."),
        "info",
    )


@bp.post("/cohorts/<int:cohort_id>/entities/<int:entity_id>/mentor")
@roles_required("coordinator")
def mentor(cohort_id: int, entity_id: int):
    permissions.cohort_for(cohort_id, permissions.may_run)
    form = MentorForm()
    target = url_for(".dashboard", cohort_id=cohort_id)
    if not form.validate_on_submit():
        flash(_("Please choose a mentor."), "error")
        return redirect(target, 303)
    try:
        mentor = form.person()
    except DomainError as e:
        return refuse(e, target)
    return carry_out(
        lambda: operations.assign_mentor(cohort_id, entity_id, mentor),
        target,
        _("The mentor has been paired."),
    )


@bp.post("/cohorts/<int:cohort_id>/entities/<int:entity_id>/mentor/unpair")
@roles_required("coordinator")
def unpair(cohort_id: int, entity_id: int):
    permissions.cohort_for(cohort_id, permissions.may_run)
    return carry_out(
        lambda: operations.unpair_mentor(cohort_id, entity_id),
        url_for(".dashboard", cohort_id=cohort_id),
        _("The entity has no mentor now: its meetings go back to the cohort's referent."),
        "info",
    )


@bp.route("/cohorts/<int:cohort_id>/entities/<int:entity_id>/check-in", methods=["GET", "POST"])
@roles_required()
def check_in(cohort_id: int, entity_id: int):
    place = permissions.place_for(cohort_id, entity_id, permissions.may_record_checkin)
    cohort = place.cohort
    form = CheckInForm()
    if not form.is_submitted():
        # A reminder's link names the missing week (?week=N); otherwise, the current one.
        weeks, asked = cohort.itinerary.weeks, request.args.get("week", type=int)
        current = max(1, min(cohort.week_of(utcnow()), weeks))
        form.week.data = asked if asked is not None and 1 <= asked <= weeks else current
    if form.validate_on_submit():
        try:
            _checkin, created = operations.record_checkin(
                cohort_id,
                entity_id,
                week=form.week.data,
                status=form.status.data,
                notes=form.notes.data or "",
                recorded_by=current_user,
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template(
                "courses/cohorts/check_in.html", form=form, place=place
            ), e.status
        db.session.commit()
        if created:
            flash(_("The check-in of week %(n)d has been recorded.", n=form.week.data), "success")
        else:
            flash(_("The check-in of week %(n)d has been updated.", n=form.week.data), "success")
        if permissions.may_follow(current_user, cohort):
            return redirect(url_for(".dashboard", cohort_id=cohort_id), 303)
        return redirect(url_for("entities.detail", entity_id=entity_id), 303)
    status = 422 if form.errors else 200
    checkins = queries.checkins(cohort_id).get(entity_id, [])
    return render_template(
        "courses/cohorts/check_in.html",
        form=form,
        place=place,
        checkins=checkins,
    ), status


@bp.get("/my-entity")
@roles_required()
def mine():
    entities = entity_queries.entities_of(current_user.id)
    mentored = queries.mentored_places(current_user)
    if len(entities) == 1 and not mentored:
        return redirect(url_for("entities.detail", entity_id=entities[0].id))
    return render_template("courses/cohorts/mine.html", entities=entities, mentored=mentored)


@dataclass(frozen=True)
class EntityCohort:
    """One cohort of an entity, on the entity's page, as the reader may see it."""

    place: CohortPlace
    checkins: list[CheckIn]
    coming: list[CohortMeeting]
    may_record: bool
    may_read_notes: bool


def entity_cohorts(entity: Entity) -> list[EntityCohort]:
    """The entity page's cohort panel: each live place with its check-ins (notes only where
    the reader may read them) and, once admitted, its next meetings."""
    now, shown = utcnow(), []
    for place in queries.live_places_of_entity(entity.id):
        coming = []
        if place.is_admitted:  # a waiting entity's people are not enrolled in its meetings
            coming = [
                m
                for m in queries.meetings(place.cohort_id, entity_ids={entity.id})
                if not m.workshop.is_cancelled and m.workshop.ends_at >= now
            ][:6]
        shown.append(
            EntityCohort(
                place,
                queries.checkins(place.cohort_id).get(entity.id, []),
                coming,
                permissions.may_record_checkin(current_user, place),
                permissions.may_read_notes(current_user, place),
            )
        )
    return shown
