"""The advice desk's routes of the JSON API (see shared/api-contract.md, "Advice desk").

Advisors are people: an ``advisor_id`` is their user id everywhere. Times are ISO 8601 with
the advisor's offset; a time given without one is read in the advisor's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import jsonify, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from lms.api import bp, field, json_body, parse_datetime
from lms.db import db, utcnow
from lms.errors import DomainError, check_day, check_moment, error_response
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import TOPIC_LANGUAGES, Advisor, Case, Consultation, NeedLevel, Topic
from .queries import Slot

MAX_LIMIT = 200


def _iso(moment: datetime, advisor: Advisor | None) -> str:
    return moment.astimezone(advisor.zone if advisor else UTC).isoformat()


def topic_json(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "programme_id": topic.programme_id,
        "name": topic.name_in(str(get_locale() or "en")),
        "names": {lang: topic.name_in(lang) for lang in TOPIC_LANGUAGES},
        "active": topic.active,
        "advisors": [{"id": a.user_id, "name": a.name} for a in topic.advisors],
    }


def slot_json(slot: Slot, advisor: Advisor) -> dict[str, Any]:
    return {
        "advisor_id": slot.advisor_id,
        "starts_at": _iso(slot.starts_at, advisor),
        "ends_at": _iso(slot.ends_at, advisor),
    }


def consultation_json(consultation: Consultation) -> dict[str, Any]:
    advisor = consultation.advisor
    return {
        "id": consultation.id,
        "request_id": consultation.case_id,
        "advisor_id": consultation.advisor_id,
        "starts_at": _iso(consultation.starts_at, advisor),
        "ends_at": _iso(consultation.ends_at, advisor),
        "status": consultation.state.value,
        "sequence": consultation.sequence,
    }


def case_json(case: Case) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": case.id,
        "programme_id": case.topic.programme_id,
        "topic_id": case.topic_id,
        "advisor_id": case.advisor_id,
        "requester": {"id": case.requester.id, "name": case.requester.name},
        "status": case.state.value,
        "need": case.need,
        "urgency": case.urgency.value,
        "entity_id": case.entity_id,
        "organisation": case.organisation,
        "created_at": case.created_at.isoformat(),
        "consultations": [consultation_json(c) for c in case.consultations],
        "referred_from": case.referred_from_id,
        "referrals": [{"id": r.id, "topic_id": r.topic_id} for r in case.referrals],
    }
    if permissions.may_read_notes(current_person(), case):
        body["notes"] = [
            {
                "id": n.id,
                "text": n.text,
                "author_id": n.author_id,
                "created_at": n.created_at.isoformat(),
            }
            for n in case.notes
        ]
    return body


def _limit() -> int:
    value = request.args.get("limit", "50")
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise DomainError(
            _l("The parameter “limit” must be a whole number from 1 to 200."),
            code="bad_limit",
            status=400,
        )
    return int(value)


def _moment(name: str, default: datetime) -> datetime:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        if len(value) == 10:
            return datetime.combine(check_day(date.fromisoformat(value), name), time(), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(
            _l("The parameter “%(name)s” must be an ISO 8601 date.", name=name),
            code="bad_date",
            status=400,
        ) from None
    return check_moment(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), name)


def _starts_at(data: dict[str, Any], advisor: Advisor) -> datetime:
    return parse_datetime(field(data, "starts_at"), advisor.zone, "starts_at")


# -- topics and advisors ---------------------------------------------------------------------


@bp.get("/advice/topics")
def advice_topics():
    return jsonify([topic_json(t) for t in queries.topics()])


def _names(data: dict[str, Any]) -> dict[str, Any] | None:
    names = data.get("names")
    if names is not None and not isinstance(names, dict):
        raise DomainError(_l("The field “%(name)s” has the wrong type.", name="names"))
    return names


def _ids(data: dict[str, Any], name: str) -> list[Any] | None:
    ids = data.get(name)
    if ids is not None and not isinstance(ids, list):
        raise DomainError(_l("The field “%(name)s” has the wrong type.", name=name))
    return ids


@bp.post("/advice/topics")
@roles_required()
def create_advice_topic():
    permissions.keeper_of_topics()
    data = json_body()
    topic = operations.create_topic(
        programme_id=permissions.programme_for_new(data.get("programme_id")),
        name=field(data, "name", required=not data.get("names"), max_length=120) or "",
        names=_names(data),
        advisor_ids=_ids(data, "advisor_ids") or [],
    )
    body = topic_json(topic)
    db.session.commit()
    return jsonify(body), 201


@bp.patch("/advice/topics/<int:topic_id>")
@roles_required()
def update_advice_topic(topic_id: int):
    permissions.keeper_of_topics(topic_id)
    data = json_body()
    active = data.get("active")
    if active is not None and not isinstance(active, bool):
        raise DomainError(_l("The field “%(name)s” has the wrong type.", name="active"))
    topic = operations.update_topic(
        topic_id,
        name=field(data, "name", required=False, default="", max_length=120),
        names=_names(data),
        active=active,
        advisor_ids=_ids(data, "advisor_ids"),
    )
    body = topic_json(topic)
    db.session.commit()
    return jsonify(body)


def hours_json(advisor: Advisor) -> dict[str, Any]:
    return {
        "advisor_id": advisor.user_id,
        "timezone": advisor.timezone,
        "slot_minutes": advisor.slot_minutes,
        "weekly": [
            {
                "weekday": h.weekday,
                "start": h.starts.strftime("%H:%M"),
                "end": h.ends.strftime("%H:%M"),
            }
            for h in advisor.hours
        ],
        "days_off": [d.day.isoformat() for d in advisor.days_off],
    }


@bp.get("/advice/advisors/<int:user_id>/hours")
@roles_required()
def advisor_hours(user_id: int):
    permissions.hours_of(user_id)
    advisor = queries.get_advisor(user_id)
    if advisor is None:
        raise DomainError(_l("There is no such advisor."), code="no_advisor", status=404)
    return jsonify(hours_json(advisor))


def _days_off(data: dict[str, Any]) -> list[date] | None:
    values = data.get("days_off")
    if values is None:
        return None
    try:
        return [date.fromisoformat(v) for v in values]
    except (TypeError, ValueError):
        raise DomainError(
            _l("The field “%(name)s” must be a list of dates.", name="days_off")
        ) from None


@bp.put("/advice/advisors/<int:user_id>/hours")
@roles_required()
def set_advisor_hours(user_id: int):
    permissions.hours_of(user_id)
    data = json_body()
    weekly = data.get("weekly")
    if not isinstance(weekly, list) or not all(isinstance(w, dict) for w in weekly):
        raise DomainError(_l("The field “%(name)s” has the wrong type.", name="weekly"))
    advisor = operations.set_hours(
        user_id,
        timezone=field(data, "timezone"),
        slot_minutes=field(data, "slot_minutes", int),
        weekly=[(w.get("weekday"), w.get("start"), w.get("end")) for w in weekly],
        days_off=_days_off(data),
    )
    body = hours_json(advisor)
    db.session.commit()
    return jsonify(body)


@bp.get("/advice/topics/<int:topic_id>/slots")
@roles_required()
def topic_slots(topic_id: int):
    topic = queries.get_topic(topic_id)
    if topic is None:
        raise DomainError(_l("There is no such topic."), code="not_found", status=404)
    start = _moment("from", utcnow())
    end = _moment("to", start + timedelta(days=14))
    advisors = {a.user_id: a for a in topic.advisors}
    slots = queries.topic_slots(topic, start, end)[: _limit()]
    return jsonify([slot_json(s, advisors[s.advisor_id]) for s in slots])


@bp.put("/advice/entities/<int:entity_id>/need")
@roles_required()
def set_need_level(entity_id: int):
    permissions.keeper_of_entity(entity_id)
    data = json_body()
    level = data.get("level")
    operations.set_need_level(entity_id, None if level is None else NeedLevel.parse(level, "level"))
    db.session.commit()
    return jsonify(entity_id=entity_id, level=level)


def _taken(taken: operations.SlotTaken, advisor: Advisor):
    """409: the slot is no longer free, with the next free ones to choose from."""
    db.session.rollback()
    response, status = error_response(taken.status, taken.code, taken.message)
    next_slots = [slot_json(s, advisor) for s in taken.next_slots]
    return jsonify(response.get_json() | {"next_slots": next_slots}), status


# -- requests ----------------------------------------------------------------------------------


@bp.post("/advice/requests")
@roles_required()
def create_advice_request():
    data = json_body()
    case = operations.create_request(
        current_person(),
        topic_id=data.get("topic_id"),
        need=field(data, "need", max_length=operations.MAX_TEXT),
        consent=data.get("consent"),
        entity_id=data.get("entity_id"),
        organisation=field(data, "organisation", required=False, default="", max_length=200),
        urgency=data.get("urgency", "normal"),
        advisor_id=data.get("advisor_id"),
    )
    body = case_json(case)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/advice/requests")
@roles_required()
def advice_requests():
    person = current_person()
    if person.is_coordinator:
        cases = queries.all_cases()
    else:
        mine = queries.cases_of_requester(person.id) + queries.cases_of_advisor(person.id)
        cases = sorted({c.id: c for c in mine}.values(), key=lambda c: -c.id)
    return jsonify([case_json(c) for c in cases[: _limit()]])


@bp.get("/advice/requests/<int:case_id>")
@roles_required()
def advice_request(case_id: int):
    return jsonify(case_json(permissions.visible(case_id)))


@bp.post("/advice/requests/<int:case_id>/booking")
@roles_required()
def book_consultation(case_id: int):
    case = permissions.for_booking(case_id)
    return _book(case, json_body())


@bp.post("/advice/requests/<int:case_id>/proposal")
@roles_required()
def propose_consultation(case_id: int):
    """The advisor (or a coordinator) books one of the advisor's free slots for the
    requester: the same rules and answers as the requester's own booking."""
    case = permissions.worked_on(case_id)
    return _book(case, json_body())


def _book(case: Case, data: dict[str, Any]):
    if case.advisor is None:
        raise DomainError(_l("This request has no advisor yet."), code="unassigned", status=409)
    advisor = case.advisor
    try:
        consultation = operations.book(case.id, _starts_at(data, advisor))
    except operations.SlotTaken as taken:
        return _taken(taken, advisor)
    body = {"consultation": consultation_json(consultation)}
    db.session.commit()
    return jsonify(body), 201


@bp.post("/advice/requests/<int:case_id>/referral")
@roles_required()
def refer_request(case_id: int):
    case = permissions.worked_on(case_id)
    data = json_body()
    referral = operations.refer(
        case.id,
        data.get("topic_id"),
        field(data, "note", required=False, default="", max_length=operations.MAX_TEXT),
    )
    body = case_json(referral)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/advice/requests/<int:case_id>/notes")
@roles_required()
def add_note(case_id: int):
    case = permissions.worked_on(case_id)
    data = json_body()
    note = operations.add_note(case.id, current_person(), field(data, "text"))
    body = {"id": note.id, "text": note.text, "created_at": note.created_at.isoformat()}
    db.session.commit()
    return jsonify(body), 201


@bp.put("/advice/requests/<int:case_id>/advisor")
@roles_required()
def reassign_request(case_id: int):
    case = permissions.reassignable(case_id)
    data = json_body()
    case = operations.reassign(case.id, field(data, "advisor_id", int))
    body = case_json(case)
    db.session.commit()
    return jsonify(body)


@bp.post("/advice/requests/<int:case_id>/close")
@roles_required()
def close_request(case_id: int):
    case = operations.close_case(permissions.worked_on(case_id).id)
    body = case_json(case)
    db.session.commit()
    return jsonify(body)


# -- consultations -------------------------------------------------------------------------------


@bp.patch("/advice/consultations/<int:consultation_id>")
@roles_required()
def reschedule_consultation(consultation_id: int):
    consultation = permissions.consultation_changed(consultation_id)
    data = json_body()
    advisor = consultation.advisor
    try:
        consultation = operations.reschedule(consultation.id, _starts_at(data, advisor))
    except operations.SlotTaken as taken:
        return _taken(taken, advisor)
    body = consultation_json(consultation)
    db.session.commit()
    return jsonify(body)


@bp.post("/advice/consultations/<int:consultation_id>/cancel")
@roles_required()
def cancel_consultation(consultation_id: int):
    consultation = operations.cancel(permissions.consultation_changed(consultation_id).id)
    body = consultation_json(consultation)
    db.session.commit()
    return jsonify(body)


@bp.post("/advice/consultations/<int:consultation_id>/held")
@roles_required()
def consultation_held(consultation_id: int):
    consultation = permissions.consultation_worked_on(consultation_id)
    consultation = operations.record_held(consultation.id)
    body = consultation_json(consultation)
    db.session.commit()
    return jsonify(body)
