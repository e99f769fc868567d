from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import pagination
from lms.db import db
from lms.enums import choices, offer
from lms.errors import DomainError, NotFound, carry_out, check_day, refuse
from lms.i18n import reader_zone
from lms.programmes import queries as programme_queries
from lms.programmes.models import Programme
from lms.security import roles_required

from . import operations, permissions, queries
from .forms import DatesForm, WorkshopForm
from .models import EnrolmentState

bp = Blueprint("workshops", __name__)


def _date_arg(name: str, zone: ZoneInfo) -> datetime | None:
    """A filter's day: none when it is not a date; a 400 when it is one outside the years
    Aula accepts."""
    value = request.args.get(name, "")
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    try:
        return datetime.combine(check_day(day, name), time(), zone)
    except DomainError as e:
        e.status = 400
        raise


@bp.get("/")
def catalogue():
    return _catalogue(request.args.get("programme", "").strip() or None)


@bp.get("/programmes/<slug>")
def programme(slug: str):
    """One programme's catalogue: its public workshops, and a sign-up in its language."""
    found = programme_queries.by_slug(slug)
    if found is None:
        raise NotFound(_("There is no such programme."))
    return _catalogue(found.slug, found)


def _catalogue(slug: str | None, programme: Programme | None = None):
    zone = reader_zone()
    starts_from, starts_to = _date_arg("from", zone), _date_arg("to", zone)
    topic = request.args.get("topic", "").strip()
    window = pagination.requested()
    page = pagination.cut(
        queries.catalogue(
            topic=topic or None,
            starts_from=starts_from,
            starts_to=starts_to + timedelta(days=1) if starts_to else None,
            window=window,
            programme=slug,
        ),
        window,
    )
    places = {}
    if current_user.is_authenticated:
        places = {
            p.enrolment.workshop_id: p for p in queries.places_of(current_user.id, live_only=True)
        }
    return render_template(
        "courses/workshops/catalogue.html",
        workshops=page.items,
        page=page,
        places=places,
        topics=queries.topics(slug),
        topic=topic,
        programme=programme,
        programme_slug=slug or "",
        date_from=request.args.get("from", "") if starts_from else "",
        date_to=request.args.get("to", "") if starts_to else "",
    )


@bp.get("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    workshop = permissions.visible(workshop_id)
    place, offers = None, []
    if current_user.is_authenticated:
        place = queries.place(workshop.id, current_user.id)
        if place and place.position:
            offers = queries.offers_to_waitlist_of(workshop.id)
    return render_template(
        "courses/workshops/detail.html", workshop=workshop, place=place, offers=offers
    )


@bp.post("/workshops/<int:workshop_id>/enrol")
@roles_required()
def enrol(workshop_id: int):
    permissions.for_enrolment(workshop_id)
    try:
        enrolment, changed = operations.enrol(workshop_id, current_user)
    except DomainError as e:
        return refuse(e, url_for(".detail", workshop_id=workshop_id))
    # The message is made before the commit: reading after it would open a second write
    # transaction on SQLite just to say what this one did.
    if not changed:
        message = _("You already have a place in this workshop."), "info"
    elif enrolment.state is EnrolmentState.enrolled:
        message = _("You are enrolled. See you there!"), "success"
    else:  # a new waiting place is the last one
        position = enrolment.workshop.waitlist_count
        message = (
            _("The workshop is full: you are number %(n)d on the waiting list.", n=position),
            "info",
        )
    db.session.commit()
    flash(*message)
    return redirect(url_for(".detail", workshop_id=workshop_id), 303)


@bp.get("/workshops/<int:workshop_id>/withdraw")
@roles_required()
def confirm_withdraw(workshop_id: int):
    """Giving up a place asks first: a freed seat goes to the next person at once."""
    workshop = permissions.for_enrolment(workshop_id)
    place = queries.place(workshop.id, current_user.id)
    if place is None or not place.enrolment.is_live:
        return redirect(url_for(".detail", workshop_id=workshop_id), 303)
    return render_template("courses/workshops/withdraw.html", workshop=workshop, place=place)


@bp.post("/workshops/<int:workshop_id>/withdraw")
@roles_required()
def withdraw(workshop_id: int):
    permissions.for_enrolment(workshop_id)
    return carry_out(
        lambda: operations.withdraw(workshop_id, current_user.id),
        url_for(".detail", workshop_id=workshop_id),
        _("You have given up your place."),
        "info",
    )


@bp.get("/me/workshops")
@roles_required()
def mine():
    """The person's agenda: what is next, where they wait, what they attended."""
    return render_template(
        "courses/workshops/mine.html",
        agenda=queries.agenda_of(current_user.id),
        teaching=queries.taught_by(current_user.id) if current_user.can_teach else [],
    )


# -- planning: trainers and coordinators ---------------------------------------------------


def _trainer_choices(form: WorkshopForm) -> None:
    teachers = permissions.trainers_for(current_user)
    form.trainer_id.choices = choices((u.id, u.name) for u in teachers)
    form.programme_id.choices = choices(permissions.teaching_programmes(current_user))
    if len(teachers) == 1:
        form.trainer_id.data = current_user.id


def _planned(form: WorkshopForm):
    """The programme and the trainer chosen, by the rule of the API's create."""
    programme_id = form.programme_id.data if len(form.programme_id.choices) > 1 else None
    return permissions.planned(programme_id, form.trainer_id.data)


def _refused(e: DomainError, template: str, **context):
    db.session.rollback()
    flash(str(e.message), "error")
    return render_template(template, **context), e.status


@bp.route("/workshops/new", methods=["GET", "POST"])
@roles_required("trainer", "coordinator")
def new():
    form = WorkshopForm()
    _trainer_choices(form)
    topics = queries.topics_in(choice.value for choice in form.programme_id.choices)
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.trainer_id.data = current_user.id
    if form.validate_on_submit():
        try:
            programme_id, trainer = _planned(form)
            workshop = operations.create_workshop(
                programme_id=programme_id, trainer=trainer, **form.details()
            )
        except DomainError as e:
            return _refused(e, "courses/workshops/edit.html", form=form, workshop=None,
                            topics=topics)  # fmt: skip
        db.session.commit()
        flash(_("The workshop has been created."), "success")
        return redirect(url_for(".detail", workshop_id=workshop.id), 303)
    status = 422 if form.errors else 200
    return render_template(
        "courses/workshops/edit.html", form=form, workshop=None, topics=topics
    ), status


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@roles_required("trainer", "coordinator")
def edit(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    form = WorkshopForm(obj=workshop)
    del form.trainer_id
    del form.programme_id
    if request.method == "GET":
        form.show_times(workshop.starts_at, workshop.ends_at, workshop.timezone)
    offer(form.timezone, workshop.timezone)
    topics = queries.topics_in([workshop.programme_id])
    if form.validate_on_submit():
        details = form.details()
        if workshop.is_cancelled and details["capacity"] == workshop.capacity:
            del details["capacity"]  # its seats are closed; its details can be put right
        try:
            operations.update_workshop(workshop.id, **details)
        except DomainError as e:
            return _refused(e, "courses/workshops/edit.html", form=form, workshop=workshop,
                            topics=topics)  # fmt: skip
        db.session.commit()
        flash(_("The workshop has been saved."), "success")
        return redirect(url_for(".detail", workshop_id=workshop.id), 303)
    status = 422 if form.errors else 200
    return render_template(
        "courses/workshops/edit.html", form=form, workshop=workshop, topics=topics
    ), status


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
@roles_required("trainer", "coordinator")
def cancel(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    if request.method == "GET":
        return render_template("courses/workshops/cancel.html", workshop=workshop)
    operations.cancel_workshop(workshop.id)
    db.session.commit()
    flash(_("The workshop has been cancelled. Everyone enrolled or waiting will be told."), "info")
    return redirect(url_for(".detail", workshop_id=workshop.id), 303)


@bp.get("/workshops/<int:workshop_id>/roster")
@roles_required("trainer", "coordinator")
def roster(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    return render_template(
        "courses/workshops/roster.html",
        workshop=workshop,
        lines=queries.roster(workshop.id).lines(),
    )


def _roster_change(workshop_id: int, change, done: str):
    permissions.managed(workshop_id)
    return carry_out(change, url_for(".roster", workshop_id=workshop_id), done)


@bp.post("/workshops/<int:workshop_id>/roster/<int:user_id>/remove")
@roles_required("trainer", "coordinator")
def remove(workshop_id: int, user_id: int):
    return _roster_change(
        workshop_id,
        lambda: operations.withdraw(workshop_id, user_id, removed=True),
        _("The person has been taken off the workshop."),
    )


@bp.post("/workshops/<int:workshop_id>/roster/<int:user_id>/give-seat")
@roles_required("trainer", "coordinator")
def give_seat(workshop_id: int, user_id: int):
    return _roster_change(
        workshop_id,
        lambda: operations.give_seat(workshop_id, user_id),
        _("The person now holds a seat."),
    )


@bp.route("/workshops/<int:workshop_id>/another-date", methods=["GET", "POST"])
@roles_required("trainer", "coordinator")
def another_date(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    form = DatesForm(capacity=workshop.capacity)
    if form.validate_on_submit():
        try:
            starts_at, ends_at = form.times(workshop.timezone)
            new_date = operations.open_another_date(
                workshop.id, starts_at=starts_at, ends_at=ends_at, capacity=form.capacity.data
            )
        except DomainError as e:
            return _refused(e, "courses/workshops/another_date.html", form=form, workshop=workshop)
        db.session.commit()
        flash(_("The new date is open and offered to the waiting list."), "success")
        return redirect(url_for(".detail", workshop_id=new_date.id), 303)
    status = 422 if form.errors else 200
    return render_template(
        "courses/workshops/another_date.html", form=form, workshop=workshop
    ), status


@bp.post("/workshops/<int:workshop_id>/take")
@roles_required("learner")
def take_another_date(workshop_id: int):
    """A waiting learner takes the other date offered to them (``workshop_id`` is that date)."""
    try:
        enrolment = operations.take_another_date(workshop_id, current_user)
    except DomainError as e:
        return refuse(e, url_for(".mine"))
    db.session.commit()
    if enrolment.state is EnrolmentState.enrolled:
        flash(_("You are enrolled. See you there!"), "success")
    else:
        flash(_("This date is full too: you are on its waiting list."), "info")
    return redirect(url_for(".detail", workshop_id=workshop_id), 303)
