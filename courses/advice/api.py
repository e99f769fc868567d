"""The advice desk's routes of the JSON API (see shared/api-contract.md, "Advice desk").

Advisors are people: an ``advisor_id`` is their user id everywhere. Times are ISO 8601 with
the advisor's offset; a time given without one is read in the advisor's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import jsonify, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, RootModel

from lms.api import bp, parse_datetime
from lms.apispec import ApiError, Body, Id, Line, Moment, Out, Person, Whole, declare, one_of, word
from lms.db import db, utcnow
from lms.errors import DomainError, check_day, check_moment, error_response
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import (
    TOPIC_LANGUAGES,
    Advisor,
    Case,
    CaseState,
    Consultation,
    ConsultationState,
    NeedLevel,
    Topic,
    Urgency,
)
from .queries import Slot

MAX_LIMIT = 200


def _iso(moment: datetime, advisor: Advisor | None) -> str:
    return moment.astimezone(advisor.zone if advisor else UTC).isoformat()


class TopicOut(BaseModel):
    id: int
    programme_id: int
    name: str = Field(description="in the caller's language")
    names: dict[str, str] = Field(examples=[{"en": "Online sales", "es": "Venta en línea"}])
    active: bool
    advisors: list[Person]

    @classmethod
    def of(cls, topic: Topic) -> TopicOut:
        return cls(
            id=topic.id,
            programme_id=topic.programme_id,
            name=topic.name_in(str(get_locale() or "en")),
            names={lang: topic.name_in(lang) for lang in TOPIC_LANGUAGES},
            active=topic.active,
            advisors=[Person(id=a.user_id, name=a.name) for a in topic.advisors],
        )


class Topics(RootModel[list[TopicOut]]):
    pass


class SlotOut(BaseModel):
    advisor_id: int
    starts_at: str = Field(json_schema_extra={"format": "date-time"})
    ends_at: str = Field(json_schema_extra={"format": "date-time"})

    @classmethod
    def of(cls, slot: Slot, advisor: Advisor) -> SlotOut:
        return cls(
            advisor_id=slot.advisor_id,
            starts_at=_iso(slot.starts_at, advisor),
            ends_at=_iso(slot.ends_at, advisor),
        )


class Slots(RootModel[list[SlotOut]]):
    pass


class ConsultationOut(BaseModel):
    id: int
    request_id: int
    advisor_id: int
    starts_at: str = Field(json_schema_extra={"format": "date-time"})
    ends_at: str = Field(json_schema_extra={"format": "date-time"})
    status: one_of(ConsultationState)  # type: ignore[valid-type]
    sequence: int

    @classmethod
    def of(cls, consultation: Consultation) -> ConsultationOut:
        advisor = consultation.advisor
        return cls(
            id=consultation.id,
            request_id=consultation.case_id,
            advisor_id=consultation.advisor_id,
            starts_at=_iso(consultation.starts_at, advisor),
            ends_at=_iso(consultation.ends_at, advisor),
            status=consultation.state,
            sequence=consultation.sequence,
        )


class Booked(BaseModel):
    consultation: ConsultationOut


class SlotTakenError(ApiError):
    next_slots: list[SlotOut] = Field(description="the next free slots to choose from")


class NoteOut(Out):
    id: int
    text: str
    author_id: int | None = None
    created_at: datetime


class Referral(Out):
    id: int
    topic_id: int


class CaseOut(BaseModel):
    id: int
    programme_id: int
    topic_id: int
    advisor_id: int | None
    requester: Person
    status: one_of(CaseState)  # type: ignore[valid-type]
    need: str
    urgency: one_of(Urgency)  # type: ignore[valid-type]
    entity_id: int | None
    organisation: str
    created_at: datetime
    consultations: list[ConsultationOut]
    referred_from: int | None
    referrals: list[Referral]
    notes: list[NoteOut] | None = Field(
        None,
        description="only to the case's advisor and coordinators (absent for anyone else)",
        exclude_if=lambda notes: notes is None,
    )

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        notes = None
        if permissions.may_read_notes(current_person(), case):
            notes = [NoteOut.model_validate(n) for n in case.notes]
        return cls(
            id=case.id,
            programme_id=case.topic.programme_id,
            topic_id=case.topic_id,
            advisor_id=case.advisor_id,
            requester=Person.model_validate(case.requester),
            status=case.state,
            need=case.need,
            urgency=case.urgency,
            entity_id=case.entity_id,
            organisation=case.organisation,
            created_at=case.created_at,
            consultations=[ConsultationOut.of(c) for c in case.consultations],
            referred_from=case.referred_from_id,
            referrals=[Referral.model_validate(r) for r in case.referrals],
            notes=notes,
        )


class Cases(RootModel[list[CaseOut]]):
    pass


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(None, alias="from", description="ISO date or date-time")
    to: str | None = Field(None, description="ISO date or date-time")
    limit: str | None = Field(None, description="1 to 200, 50 when absent")


class Limit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: str | None = Field(None, description="1 to 200, 50 when absent")


Names = dict[str, Line(120, min_length=0)]  # type: ignore[misc,valid-type]


class NewTopic(Body):
    programme_id: Id | None = Field(
        None, description="its programme; the caller's only one when absent (422 with several)"
    )
    name: Line(120, min_length=0) = ""  # type: ignore[valid-type]
    names: Names | None = Field(None, description="by language: en, es, ca, gl")  # type: ignore[valid-type]
    advisor_ids: list[Id] = []


class TopicChange(Body):
    name: Line(120, min_length=0) = ""  # type: ignore[valid-type]
    names: Names | None = None  # type: ignore[valid-type]
    active: bool | None = None
    advisor_ids: list[Id] | None = None


class Hours(BaseModel):
    weekday: int = Field(description="ISO: 1 = Monday to 7 = Sunday")
    start: str = Field(examples=["09:00"])
    end: str = Field(examples=["14:00"])


class HoursIn(Body):
    weekday: Whole = Field(description="ISO: 1 = Monday to 7 = Sunday")
    start: str = Field(max_length=5, examples=["09:00"], description="local HH:MM")
    end: str = Field(max_length=5, examples=["14:00"], description="local HH:MM")


class HoursOut(BaseModel):
    advisor_id: int
    timezone: str
    slot_minutes: int
    weekly: list[Hours]
    days_off: list[date]

    @classmethod
    def of(cls, advisor: Advisor) -> HoursOut:
        return cls(
            advisor_id=advisor.user_id,
            timezone=advisor.timezone,
            slot_minutes=advisor.slot_minutes,
            weekly=[
                Hours(
                    weekday=h.weekday,
                    start=h.starts.strftime("%H:%M"),
                    end=h.ends.strftime("%H:%M"),
                )
                for h in advisor.hours
            ],
            days_off=[d.day for d in advisor.days_off],
        )


class NewHours(Body):
    timezone: Line(60)  # type: ignore[valid-type]
    slot_minutes: Whole
    weekly: list[HoursIn]
    days_off: list[str] | None = Field(None, description="dates as YYYY-MM-DD")


class NeedLevelIn(Body):
    level: word(NeedLevel) | None  # type: ignore[valid-type]


class NeedLevelOut(BaseModel):
    entity_id: int
    level: str | None


class NewRequest(Body):
    topic_id: Id
    need: Line(operations.MAX_TEXT)  # type: ignore[valid-type]
    consent: bool | None = Field(None, description="true: the request may count in figures")
    entity_id: Id | None = None
    organisation: Line(200, min_length=0) = ""  # type: ignore[valid-type]
    urgency: word(Urgency) = "normal"  # type: ignore[valid-type]
    advisor_id: Id | None = None


class Booking(Body):
    starts_at: Moment


class ReferralIn(Body):
    topic_id: Id
    note: Line(operations.MAX_TEXT, min_length=0) = ""  # type: ignore[valid-type]


class NoteIn(Body):
    text: Line(operations.MAX_TEXT)  # type: ignore[valid-type]


class NoteMade(BaseModel):
    id: int
    text: str
    created_at: datetime


class AdvisorChoice(Body):
    advisor_id: Id


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


def _starts_at(json: Booking, advisor: Advisor) -> datetime:
    return parse_datetime(json.starts_at, advisor.zone, "starts_at")


# -- topics and advisors ---------------------------------------------------------------------


@bp.get("/advice/topics")
@declare(who="anyone", answers={200: Topics})
def advice_topics():
    """The advice desk's topics with their advisors."""
    return Topics([TopicOut.of(t) for t in queries.topics()])


@bp.post("/advice/topics")
@roles_required()
@declare(who="coordinator", json=NewTopic, answers={201: TopicOut}, errors=(403,))
def create_advice_topic(json: NewTopic):
    """A topic (a name, or one per language) and the advisors it is routed to."""
    permissions.keeper_of_topics()
    topic = operations.create_topic(
        programme_id=permissions.programme_for_new(json.programme_id),
        name=json.name,
        names=json.names,
        advisor_ids=json.advisor_ids,
    )
    body = TopicOut.of(topic)
    db.session.commit()
    return body, 201


@bp.patch("/advice/topics/<int:topic_id>")
@roles_required()
@declare(who="coordinator", json=TopicChange, answers={200: TopicOut}, errors=(403,))
def update_advice_topic(topic_id: int, json: TopicChange):
    """Rename a topic, open or close it, change its advisors."""
    permissions.keeper_of_topics(topic_id)
    topic = operations.update_topic(
        topic_id,
        name=json.name,
        names=json.names,
        active=json.active,
        advisor_ids=json.advisor_ids,
    )
    body = TopicOut.of(topic)
    db.session.commit()
    return body


@bp.get("/advice/advisors/<int:user_id>/hours")
@roles_required()
@declare(who="that advisor, coordinator", answers={200: HoursOut}, errors=(403,))
def advisor_hours(user_id: int):
    """An advisor's weekly hours, zone, consultation length and days off."""
    permissions.hours_of(user_id)
    advisor = queries.get_advisor(user_id)
    if advisor is None:
        raise DomainError(_l("There is no such advisor."), code="no_advisor", status=404)
    return HoursOut.of(advisor)


def _days_off(values: list[str] | None) -> list[date] | None:
    if values is None:
        return None
    try:
        return [date.fromisoformat(v) for v in values]
    except ValueError:
        raise DomainError(
            _l("The field “%(name)s” must be a list of dates.", name="days_off")
        ) from None


@bp.put("/advice/advisors/<int:user_id>/hours")
@roles_required()
@declare(who="that advisor, coordinator", json=NewHours, answers={200: HoursOut}, errors=(403,))
def set_advisor_hours(user_id: int, json: NewHours):
    """Replace the advisor's weekly hours (consultations already booked stay)."""
    permissions.hours_of(user_id)
    advisor = operations.set_hours(
        user_id,
        timezone=json.timezone,
        slot_minutes=json.slot_minutes,
        weekly=[(w.weekday, w.start, w.end) for w in json.weekly],
        days_off=_days_off(json.days_off),
    )
    body = HoursOut.of(advisor)
    db.session.commit()
    return body


@bp.get("/advice/topics/<int:topic_id>/slots")
@roles_required()
@declare(who="signed in", query=Window, answers={200: Slots})
def topic_slots(topic_id: int):
    """Free slots of the topic's advisors, in order, none in the past or already taken."""
    topic = queries.get_topic(topic_id)
    if topic is None:
        raise DomainError(_l("There is no such topic."), code="not_found", status=404)
    start = _moment("from", utcnow())
    end = _moment("to", start + timedelta(days=14))
    advisors = {a.user_id: a for a in topic.advisors}
    slots = queries.topic_slots(topic, start, end)[: _limit()]
    return Slots([SlotOut.of(s, advisors[s.advisor_id]) for s in slots])


@bp.put("/advice/entities/<int:entity_id>/need")
@roles_required()
@declare(who="coordinator", json=NeedLevelIn, answers={200: NeedLevelOut}, errors=(403,))
def set_need_level(entity_id: int, json: NeedLevelIn):
    """The entity's place on the programme's scale of priorities (null clears it)."""
    permissions.keeper_of_entity(entity_id)
    level = json.level
    operations.set_need_level(entity_id, None if level is None else NeedLevel.parse(level, "level"))
    db.session.commit()
    return NeedLevelOut(entity_id=entity_id, level=level)


def _taken(taken: operations.SlotTaken, advisor: Advisor):
    """409: the slot is no longer free, with the next free ones to choose from."""
    db.session.rollback()
    response, status = error_response(taken.status, taken.code, taken.message)
    next_slots = [SlotOut.of(s, advisor).model_dump() for s in taken.next_slots]
    return jsonify(response.get_json() | {"next_slots": next_slots}), status


# -- requests ----------------------------------------------------------------------------------


@bp.post("/advice/requests")
@roles_required()
@declare(who="signed in", json=NewRequest, answers={201: CaseOut})
def create_advice_request(json: NewRequest):
    """A request for advice, routed to one of the topic's advisors (422 without consent)."""
    case = operations.create_request(
        current_person(),
        topic_id=json.topic_id,
        need=json.need,
        consent=json.consent,
        entity_id=json.entity_id,
        organisation=json.organisation,
        urgency=json.urgency,
        advisor_id=json.advisor_id,
    )
    body = CaseOut.of(case)
    db.session.commit()
    return body, 201


@bp.get("/advice/requests")
@roles_required()
@declare(who="signed in (coordinators see every case)", query=Limit, answers={200: Cases})
def advice_requests():
    """The caller's cases (as requester or advisor), newest first."""
    person = current_person()
    if person.is_coordinator:
        cases = queries.all_cases()
    else:
        mine = queries.cases_of_requester(person.id) + queries.cases_of_advisor(person.id)
        cases = sorted({c.id: c for c in mine}.values(), key=lambda c: -c.id)
    return Cases([CaseOut.of(c) for c in cases[: _limit()]])


@bp.get("/advice/requests/<int:case_id>")
@roles_required()
@declare(who="its requester, its advisor, coordinator", answers={200: CaseOut}, errors=(403,))
def advice_request(case_id: int):
    """The case, its consultations and referrals (notes to its advisor and coordinators)."""
    return CaseOut.of(permissions.visible(case_id))


_BOOKING_ANSWERS: dict[int, type[BaseModel] | None] = {201: Booked, 409: SlotTakenError}


@bp.post("/advice/requests/<int:case_id>/booking")
@roles_required()
@declare(who="its requester", json=Booking, answers=_BOOKING_ANSWERS, errors=(403,))
def book_consultation(case_id: int, json: Booking):
    """Book one of the advisor's free slots; 409 with the next free ones when it is taken."""
    case = permissions.for_booking(case_id)
    return _book(case, json)


@bp.post("/advice/requests/<int:case_id>/proposal")
@roles_required()
@declare(who="its advisor, coordinator", json=Booking, answers=_BOOKING_ANSWERS, errors=(403,))
def propose_consultation(case_id: int, json: Booking):
    """The advisor (or a coordinator) books one of the advisor's free slots for the
    requester: the same rules and answers as the requester's own booking."""
    case = permissions.worked_on(case_id)
    return _book(case, json)


def _book(case: Case, json: Booking):
    if case.advisor is None:
        raise DomainError(_l("This request has no advisor yet."), code="unassigned", status=409)
    advisor = case.advisor
    try:
        consultation = operations.book(case.id, _starts_at(json, advisor))
    except operations.SlotTaken as taken:
        return _taken(taken, advisor)
    body = Booked(consultation=ConsultationOut.of(consultation))
    db.session.commit()
    return body, 201


@bp.post("/advice/requests/<int:case_id>/referral")
@roles_required()
@declare(who="its advisor, coordinator", json=ReferralIn, answers={201: CaseOut}, errors=(403,))
def refer_request(case_id: int, json: ReferralIn):
    """A new request on another topic, routed, linked to this one."""
    case = permissions.worked_on(case_id)
    referral = operations.refer(case.id, json.topic_id, json.note)
    body = CaseOut.of(referral)
    db.session.commit()
    return body, 201


@bp.post("/advice/requests/<int:case_id>/notes")
@roles_required()
@declare(who="its advisor, coordinator", json=NoteIn, answers={201: NoteMade}, errors=(403,))
def add_note(case_id: int, json: NoteIn):
    """A private note on the case."""
    case = permissions.worked_on(case_id)
    note = operations.add_note(case.id, current_person(), json.text)
    body = NoteMade(id=note.id, text=note.text, created_at=note.created_at)
    db.session.commit()
    return body, 201


@bp.put("/advice/requests/<int:case_id>/advisor")
@roles_required()
@declare(who="coordinator", json=AdvisorChoice, answers={200: CaseOut}, errors=(403, 409))
def reassign_request(case_id: int, json: AdvisorChoice):
    """Give the case to another advisor of its topic."""
    case = permissions.reassignable(case_id)
    case = operations.reassign(case.id, json.advisor_id)
    body = CaseOut.of(case)
    db.session.commit()
    return body


@bp.post("/advice/requests/<int:case_id>/close")
@roles_required()
@declare(who="its advisor, coordinator", answers={200: CaseOut}, errors=(403, 409))
def close_request(case_id: int):
    """Close the case."""
    case = operations.close_case(permissions.worked_on(case_id).id)
    body = CaseOut.of(case)
    db.session.commit()
    return body


# -- consultations -------------------------------------------------------------------------------


@bp.patch("/advice/consultations/<int:consultation_id>")
@roles_required()
@declare(
    who="its requester, its advisor, coordinator",
    json=Booking,
    answers={200: ConsultationOut, 409: SlotTakenError},
    errors=(403,),
)
def reschedule_consultation(consultation_id: int, json: Booking):
    """Move the consultation to another free slot of its advisor."""
    consultation = permissions.consultation_changed(consultation_id)
    advisor = consultation.advisor
    try:
        consultation = operations.reschedule(consultation.id, _starts_at(json, advisor))
    except operations.SlotTaken as taken:
        return _taken(taken, advisor)
    body = ConsultationOut.of(consultation)
    db.session.commit()
    return body


@bp.post("/advice/consultations/<int:consultation_id>/cancel")
@roles_required()
@declare(
    who="its requester, its advisor, coordinator", answers={200: ConsultationOut}, errors=(403,)
)
def cancel_consultation(consultation_id: int):
    """Cancel the consultation; both people are told."""
    consultation = operations.cancel(permissions.consultation_changed(consultation_id).id)
    body = ConsultationOut.of(consultation)
    db.session.commit()
    return body


@bp.post("/advice/consultations/<int:consultation_id>/held")
@roles_required()
@declare(who="its advisor, coordinator", answers={200: ConsultationOut}, errors=(403, 409))
def consultation_held(consultation_id: int):
    """Record that the consultation took place."""
    consultation = permissions.consultation_worked_on(consultation_id)
    consultation = operations.record_held(consultation.id)
    body = ConsultationOut.of(consultation)
    db.session.commit()
    return body
