"""The advice desk's pages: topics and the intake form, "my requests" with booking, a case's
page, the advisor's desk (cases, hours, notes, referrals) and the coordinators' view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.db import db, utcnow
from lms.enums import choices
from lms.errors import DomainError, carry_out, check_day, refuse
from lms.security import roles_required, safe_next

from ..entities.queries import all_entities, entities_of
from . import figures as advice_figures
from . import operations, permissions, queries
from .forms import IntakeForm
from .models import TOPIC_LANGUAGES, NeedLevel

bp = Blueprint("advice", __name__)

#: How far ahead a case's page offers free slots.
SLOTS_AHEAD = timedelta(days=21)


def _intake_form() -> IntakeForm:
    form = IntakeForm()
    topics = queries.topics()
    form.topic_id.choices = choices(((t.id, t.name) for t in topics), blank=_("Choose a topic"))
    mine = all_entities() if current_user.is_coordinator else entities_of(current_user.id)
    form.entity_id.choices = choices(((e.id, e.name) for e in mine), blank=_("None of these"))
    advisors = {a.user_id: a for t in topics for a in t.advisors}
    form.advisor_id.choices = choices(
        ((a.user_id, a.name) for a in advisors.values()), blank=_("Whoever is free first")
    )
    return form


@bp.get("/advice")
def topics():
    form = _intake_form() if current_user.is_authenticated else None
    if form is not None and request.args.get("topic", "").isdigit():
        form.topic_id.data = int(request.args["topic"])
    return render_template("courses/advice/topics.html", topics=queries.topics(), form=form)


def _chosen(value: Any) -> Any:
    return value or None


@bp.post("/advice/requests")
@roles_required()
def create_request():
    form = _intake_form()
    if not form.validate_on_submit():
        flash(_("Please say what you need."), "error")
        return render_template(
            "courses/advice/topics.html", topics=queries.topics(), form=form
        ), 422
    try:
        case = operations.create_request(
            current_user,
            topic_id=form.topic_id.data,
            need=form.need.data,
            consent=bool(form.consent.data),
            entity_id=_chosen(form.entity_id.data),
            organisation=form.organisation.data or "",
            urgency=form.urgency.data,
            advisor_id=_chosen(form.advisor_id.data),
        )
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return render_template(
            "courses/advice/topics.html", topics=queries.topics(), form=form
        ), e.status
    case_id, routed = case.id, case.advisor is not None
    name = case.advisor.name if case.advisor else ""
    db.session.commit()
    if routed:
        flash(_("Your request has gone to %(name)s. Now choose a time.", name=name), "success")
    else:
        flash(_("Your request is waiting for a coordinator to give it an advisor."), "info")
    return redirect(url_for(".case", case_id=case_id), 303)


@bp.get("/advice/mine")
@roles_required()
def mine():
    return render_template(
        "courses/advice/mine.html", cases=queries.cases_of_requester(current_user.id)
    )


@bp.get("/advice/requests/<int:case_id>")
@roles_required()
def case(case_id: int):
    found = permissions.visible(case_id)
    slots = []
    works = permissions.may_work_on(current_user, found)
    can_book = permissions.may_book(current_user, found) and found.booked is None
    may_propose = works and found.booked is None
    booked = found.booked
    may_move = booked is not None and permissions.may_change_consultation(current_user, booked)
    wants_slots = can_book or may_propose or may_move
    if wants_slots and found.advisor is not None and found.state.value == "open":
        now = utcnow()
        slots = queries.free_slots(found.advisor, now, now + SLOTS_AHEAD, limit=12)
    return render_template(
        "courses/advice/case.html",
        case=found,
        slots=slots,
        can_book=can_book,
        may_propose=may_propose and not can_book,
        may_move=may_move,
        works=works,
        notes=found.notes if permissions.may_read_notes(current_user, found) else [],
        other_topics=[t for t in queries.topics() if t.id != found.topic_id] if works else [],
        advisors=found.topic.advisors if permissions.may_reassign(current_user, found) else [],
        now=utcnow(),
    )


def _back(case_id: int) -> str:
    return url_for(".case", case_id=case_id)


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None


@bp.post("/advice/requests/<int:case_id>/book")
@roles_required()
def book(case_id: int):
    found = permissions.for_booking(case_id)
    return _booked_at(found.id, _("Your consultation is booked. The invitation is on its way."))


@bp.post("/advice/requests/<int:case_id>/propose")
@roles_required()
def propose(case_id: int):
    """The advisor (or a coordinator) books a time for the person who asked."""
    found = permissions.worked_on(case_id)
    return _booked_at(found.id, _("The consultation is booked. The invitations are on their way."))


def _booked_at(case_id: int, done: str):
    starts_at = _moment(request.form.get("starts_at", ""))
    try:
        if starts_at is None:
            raise DomainError(_("Please choose a time."))
        operations.book(case_id, starts_at)
    except operations.SlotTaken as e:
        return refuse(e, _back(case_id) + "#slots")
    except DomainError as e:
        return refuse(e, _back(case_id))
    db.session.commit()
    flash(done, "success")
    return redirect(_back(case_id), 303)


@bp.post("/advice/consultations/<int:consultation_id>/move")
@roles_required()
def move(consultation_id: int):
    consultation = permissions.consultation_changed(consultation_id)
    case_id = consultation.case_id
    starts_at = _moment(request.form.get("starts_at", ""))
    try:
        if starts_at is None:
            raise DomainError(_("Please choose a time."))
        operations.reschedule(consultation.id, starts_at)
    except DomainError as e:
        return refuse(e, _back(case_id))
    db.session.commit()
    flash(_("The consultation has moved. The invitations are on their way."), "success")
    return redirect(_back(case_id), 303)


@bp.post("/advice/consultations/<int:consultation_id>/cancel")
@roles_required()
def cancel(consultation_id: int):
    consultation = permissions.consultation_changed(consultation_id)
    return carry_out(
        lambda: operations.cancel(consultation.id),
        _back(consultation.case_id),
        _("The consultation has been cancelled."),
        "info",
    )


@bp.post("/advice/consultations/<int:consultation_id>/held")
@roles_required()
def held(consultation_id: int):
    consultation = permissions.consultation_worked_on(consultation_id)
    return carry_out(
        lambda: operations.record_held(consultation.id),
        _back(consultation.case_id),
        _("The consultation is recorded as held."),
    )


@bp.post("/advice/requests/<int:case_id>/notes")
@roles_required()
def add_note(case_id: int):
    found = permissions.worked_on(case_id)
    return carry_out(
        lambda: operations.add_note(found.id, current_user, request.form.get("text", "")),
        _back(case_id) + "#notes",
        _("The note has been saved."),
    )


@bp.post("/advice/requests/<int:case_id>/refer")
@roles_required()
def refer(case_id: int):
    found = permissions.worked_on(case_id)
    topic_id = request.form.get("topic_id", "")
    try:
        referral = operations.refer(
            found.id, int(topic_id) if topic_id.isdigit() else None, request.form.get("note", "")
        )
    except DomainError as e:
        return refuse(e, _back(case_id))
    new_id = referral.id
    db.session.commit()
    flash(_("The request has been referred to another topic."), "success")
    return redirect(
        _back(new_id) if permissions.may_see(current_user, referral) else _back(case_id), 303
    )


@bp.post("/advice/requests/<int:case_id>/advisor")
@roles_required()
def reassign(case_id: int):
    found = permissions.reassignable(case_id)
    advisor_id = request.form.get("advisor_id", "")
    return carry_out(
        lambda: operations.reassign(found.id, int(advisor_id) if advisor_id.isdigit() else None),
        safe_next(request.form.get("next"), _back(case_id)),
        _("The request has been given to another advisor."),
    )


@bp.post("/advice/requests/<int:case_id>/close")
@roles_required()
def close(case_id: int):
    found = permissions.worked_on(case_id)
    return carry_out(
        lambda: operations.close_case(found.id), _back(case_id), _("The request is closed.")
    )


# -- the advisor's desk ------------------------------------------------------------------------

WEEKDAYS = range(1, 8)
STRETCHES = range(2)


@bp.get("/advice/desk")
@roles_required("trainer", "coordinator")
def desk():
    advisor = queries.get_advisor(current_user.id)
    rows: dict[int, list] = {d: [] for d in WEEKDAYS}
    if advisor:
        for h in advisor.hours:
            rows[h.weekday].append(h)
    return render_template(
        "courses/advice/desk.html",
        advisor=advisor,
        cases=queries.cases_of_advisor(current_user.id),
        rows=rows,
        weekdays=WEEKDAYS,
        stretches=STRETCHES,
        zone=advisor.timezone if advisor else current_user.timezone,
        now=utcnow(),
    )


def _weekly(form: Any) -> list[tuple[int, str, str]]:
    weekly = []
    for day in WEEKDAYS:
        for n in STRETCHES:
            start = form.get(f"start-{day}-{n}", "").strip()
            end = form.get(f"end-{day}-{n}", "").strip()
            if start or end:
                weekly.append((day, start, end))
    return weekly


def _days_off(text: str) -> list[date]:
    try:
        return [date.fromisoformat(line.strip()) for line in text.splitlines() if line.strip()]
    except ValueError:
        raise DomainError(_("Days off are dates, one a line: 2026-12-24.")) from None


@bp.post("/advice/advisors/<int:user_id>/hours")
@roles_required()
def set_hours(user_id: int):
    permissions.hours_of(user_id)
    minutes = request.form.get("slot_minutes", "")
    target = url_for(".desk") if user_id == current_user.id else url_for(".coordination")
    return carry_out(
        lambda: operations.set_hours(
            user_id,
            timezone=request.form.get("timezone", "").strip(),
            slot_minutes=int(minutes) if minutes.isdigit() else None,
            weekly=_weekly(request.form),
            days_off=_days_off(request.form.get("days_off", "")),
        ),
        target,
        _("Your hours have been saved."),
    )


# -- the coordinators' view ----------------------------------------------------------------------


@bp.get("/advice/coordination")
@roles_required("coordinator")
def coordination():
    level = request.args.get("need", "")
    levels = queries.need_levels()
    cases = queries.all_cases()
    if level in {n.value for n in NeedLevel}:
        cases = [
            c for c in cases if c.entity_id and levels.get(c.entity_id, None) == NeedLevel(level)
        ]
    order = {n: i for i, n in enumerate(NeedLevel)}
    cases.sort(key=lambda c: (order.get(levels.get(c.entity_id), len(order)), -c.id))
    staff = permissions.staff_of_kept_programmes(current_user)
    return render_template(
        "courses/advice/coordination.html",
        unassigned=queries.unassigned_cases(),
        cases=cases,
        levels=levels,
        need=level,
        need_levels=list(NeedLevel),
        topics=queries.topics(active_only=False, kept=True),
        staff=sorted(staff, key=lambda u: u.name),
        entities=all_entities(),
        languages=TOPIC_LANGUAGES,
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@bp.post("/advice/topics")
@roles_required("coordinator")
def create_topic():
    names = {lang: request.form.get(f"name_{lang}", "") for lang in TOPIC_LANGUAGES}
    return carry_out(
        lambda: operations.create_topic(
            names=names,
            advisor_ids=_ids(request.form.getlist("advisor_ids")),
            programme_id=permissions.programme_for_new(request.form.get("programme_id")),
        ),
        url_for(".coordination") + "#topics",
        _("The topic has been added."),
    )


@bp.post("/advice/topics/<int:topic_id>")
@roles_required("coordinator")
def update_topic(topic_id: int):
    permissions.keeper_of_topics(topic_id)
    return carry_out(
        lambda: operations.update_topic(
            topic_id,
            active=request.form.get("active") == "1",
            advisor_ids=_ids(request.form.getlist("advisor_ids")),
        ),
        url_for(".coordination") + "#topics",
        _("The topic has been saved."),
    )


@bp.post("/advice/entities/<int:entity_id>/need")
@roles_required("coordinator")
def set_need(entity_id: int):
    permissions.keeper_of_entity(entity_id)
    value = request.form.get("level", "")
    return carry_out(
        lambda: operations.set_need_level(
            entity_id, NeedLevel.parse(value, "level") if value else None
        ),
        url_for(".coordination") + "#entities",
        _("The need level has been saved."),
    )


# -- figures ---------------------------------------------------------------------------------


def _day_arg(name: str, default: date) -> date:
    """A filter's day: ``default`` when it is not a date; a 400 when it is one outside the
    years Aula accepts."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default
    try:
        return check_day(day, name)
    except DomainError as e:
        e.status = 400
        raise


def _period() -> tuple[datetime, datetime, str, str]:
    today = utcnow().date()
    first = _day_arg("from", today - timedelta(days=84))
    last = _day_arg("to", today + timedelta(days=28))
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    return start, end, first.isoformat(), last.isoformat()


@bp.get("/advice/figures")
@roles_required("coordinator")
def figures():
    start, end, first, last = _period()
    found = advice_figures.figures(start, end)
    return render_template(
        "courses/advice/figures.html",
        figures=found,
        need_lines=advice_figures.need_lines(found),
        date_from=first,
        date_to=last,
    )


@bp.get("/advice/figures.csv")
@roles_required("coordinator")
def figures_csv():
    start, end, first, last = _period()
    text = advice_figures.csv_text(advice_figures.figures(start, end), str(get_locale()))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="advice-{first}-{last}.csv"'},
    )


def entity_cases(entity: Any) -> dict[str, Any]:
    """For an entity's page: its advice requests that the reader may see, and its need
    level for coordinators."""
    cases = [c for c in queries.cases_of_entity(entity.id) if permissions.may_see(current_user, c)]
    level = queries.need_levels().get(entity.id)
    return {"cases": cases, "level": level}
