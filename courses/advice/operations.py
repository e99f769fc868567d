"""Every way the advice desk changes. Nothing else writes its tables.

Booking, rescheduling and cancelling a consultation run under the advisor's row lock
(:func:`lock_advisor`: ``BEGIN IMMEDIATE`` on SQLite, then ``SELECT ... FOR UPDATE`` of the
advisor's row on PostgreSQL, as :mod:`courses.queue` locks a workshop): whether the slot is
free is read and decided under it, so no slot is given twice and an advisor is never in two
consultations at once. A partial UNIQUE index on (advisor, start) of live bookings backs it.

Each consultation is held in a workshop of its own (capacity 1, restricted, the advisor as
trainer, the requester enrolled), created and moved through :mod:`courses.workshops.operations`,
so its room, invitations (REQUEST, a higher SEQUENCE on a reschedule, CANCEL), reminders and
calendar entries follow the workshops' rules. Locks are always taken advisor first, then
workshop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.db import begin_write, db, utcnow
from lms.errors import Conflict, DomainError, NotFound, is_id, is_whole
from lms.programmes.permissions import may_manage

from ..entities.models import Entity
from ..signals import consultation_changed
from ..workshops import operations as workshops
from ..workshops.models import Audience
from . import queries
from .guards import from_the_desk
from .models import (
    DEFAULT_SLOT_MINUTES,
    TOPIC_LANGUAGES,
    Advisor,
    Case,
    CaseState,
    Consultation,
    ConsultationState,
    DayOff,
    EntityNeed,
    Hours,
    NeedLevel,
    Note,
    Topic,
    Urgency,
)
from .queries import Slot

MAX_TEXT = 5000


class SlotTaken(Conflict):
    """The slot asked for is no longer free; ``next_slots`` are the next free ones.

    They are looked up when first read, which callers do after rolling back: the advisor's
    lock is held for the decision alone, not for the search of other times.
    """

    code = "slot_taken"

    def __init__(self, advisor_id: int):
        super().__init__(_l("That time is no longer free. Please choose another one."))
        self.advisor_id = advisor_id
        self._next: list[Slot] | None = None

    @property
    def next_slots(self) -> list[Slot]:
        if self._next is None:
            advisor = queries.get_advisor(self.advisor_id)
            self._next = queries.next_free(advisor) if advisor else []
        return self._next


# -- the lock -------------------------------------------------------------------------------


def lock_advisor(user_id: int) -> Advisor:
    """The advisor, locked for the rest of the transaction; only its row is read."""
    begin_write()
    advisor = db.session.get(
        Advisor,
        user_id,
        with_for_update={"of": Advisor},
        populate_existing=True,
        options=[sa.orm.lazyload("*")],
    )
    if advisor is None:
        raise NotFound(_l("There is no such advisor."), code="no_advisor")
    return advisor


# -- topics and advisors --------------------------------------------------------------------


def _names(name: str, names: dict[str, Any] | None) -> dict[str, str]:
    name = (name or "").strip()
    given = {k: str(v).strip()[:120] for k, v in (names or {}).items() if k in TOPIC_LANGUAGES}
    fallback = name or next((v for v in given.values() if v), "")
    if not fallback:
        raise DomainError(_l("Please give the topic a name."), code="missing")
    return {lang: given.get(lang) or fallback[:120] for lang in TOPIC_LANGUAGES}


def _advisors(user_ids: Iterable[Any]) -> list[Advisor]:
    found = []
    for user_id in dict.fromkeys(user_ids):
        advisor = queries.get_advisor(user_id) if is_id(user_id) else None
        if advisor is None:
            advisor = make_advisor(_teacher(user_id))
        found.append(advisor)
    return found


def _teacher(user_id: Any) -> User:
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        raise DomainError(_l("There is no such person."), code="unknown_user")
    if not user.can_teach:
        raise DomainError(
            _l("Only a trainer or a coordinator can be an advisor."), code="not_staff"
        )
    return user


def make_advisor(user: User, timezone: str | None = None) -> Advisor:
    """The person's advisor record, made with no hours yet (in their own zone) when missing."""
    from lms.accounts.operations import check_timezone

    advisor = queries.get_advisor(user.id)
    if advisor is None:
        if not user.can_teach:
            raise DomainError(
                _l("Only a trainer or a coordinator can be an advisor."), code="not_staff"
            )
        advisor = Advisor(
            user=user,
            timezone=check_timezone(timezone or user.timezone),
            slot_minutes=DEFAULT_SLOT_MINUTES,
        )
        db.session.add(advisor)
        db.session.flush()
    return advisor


def _programme_id(programme_id: int | None) -> int:
    """The programme a new thing goes in: the one named, else the first (made if none)."""
    from lms.programmes.operations import default_programme

    return programme_id if programme_id is not None else default_programme().id


def create_topic(
    name: str = "",
    *,
    names: dict[str, Any] | None = None,
    advisor_ids: Iterable[Any] = (),
    programme_id: int | None = None,
) -> Topic:
    begin_write()
    topic = Topic(
        **{f"name_{k}": v for k, v in _names(name, names).items()},
        active=True,
        programme_id=_programme_id(programme_id),
    )
    topic.advisors = _advisors(advisor_ids)
    db.session.add(topic)
    db.session.flush()
    _staff_the_programme(topic)
    return topic


def _staff_the_programme(topic: Topic) -> None:
    """A topic's advisors are advisors of its programme."""
    from lms.programmes.operations import add_member

    for advisor in topic.advisors:
        add_member(topic.programme_id, advisor.user, "advisor")


def update_topic(
    topic_id: int,
    *,
    name: str = "",
    names: dict[str, Any] | None = None,
    active: bool | None = None,
    advisor_ids: Iterable[Any] | None = None,
) -> Topic:
    begin_write()
    topic = queries.get_topic(topic_id)
    if topic is None:
        raise NotFound(_l("There is no such topic."), code="unknown_topic")
    if name or names:
        for lang, value in _names(name, names).items():
            setattr(topic, f"name_{lang}", value)
    if active is not None:
        topic.active = bool(active)
    if advisor_ids is not None:
        topic.advisors = _advisors(advisor_ids)
        db.session.flush()
        _staff_the_programme(topic)
    db.session.flush()
    return topic


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: Any, name: str) -> time:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise DomainError(
            _l("The field “%(name)s” must be a local time HH:MM.", name=name), code="invalid_time"
        )
    return time(int(match[1]), int(match[2]))


def set_hours(
    user_id: int,
    *,
    timezone: str,
    slot_minutes: Any,
    weekly: list[tuple[Any, Any, Any]],
    days_off: Iterable[Any] | None = None,
) -> Advisor:
    """Replace an advisor's weekly hours (ISO weekday, local ``HH:MM`` start and end), zone,
    consultation length and, when given, days off. Consultations already booked stay."""
    from lms.accounts.operations import check_timezone

    begin_write()
    advisor = queries.get_advisor(user_id) or make_advisor(_teacher(user_id))
    advisor = lock_advisor(advisor.user_id)
    if not is_whole(slot_minutes, 10, 240):
        raise DomainError(
            _l("A consultation lasts from 10 to 240 minutes."), code="invalid_slot_minutes"
        )
    stretches = []
    for weekday, start, end in weekly:
        if not is_whole(weekday, 1, 7):
            raise DomainError(
                _l("The weekday must be a whole number from 1 (Monday) to 7 (Sunday)."),
                code="invalid_weekday",
            )
        starts, ends = parse_hhmm(start, "start"), parse_hhmm(end, "end")
        if ends <= starts:
            raise DomainError(_l("Hours must end after they start."), code="invalid_hours")
        stretches.append((weekday, starts, ends))
    stretches.sort()
    for (d1, _s1, e1), (d2, s2, _e2) in pairwise(stretches):
        if d1 == d2 and s2 < e1:
            raise DomainError(_l("Two stretches of hours overlap."), code="overlapping_hours")
    advisor.timezone = check_timezone(timezone)
    advisor.slot_minutes = slot_minutes
    advisor.hours = [Hours(weekday=d, starts=s, ends=e) for d, s, e in stretches]
    if days_off is not None:
        advisor.days_off = [DayOff(day=day) for day in sorted(set(days_off))]
    db.session.flush()
    return advisor


def set_need_level(entity_id: int, level: NeedLevel | None) -> EntityNeed | None:
    begin_write()
    if db.session.get(Entity, entity_id) is None:
        raise NotFound(_l("There is no such entity."))
    need = db.session.get(EntityNeed, entity_id)
    if level is None:
        if need is not None:
            db.session.delete(need)
        return None
    if need is None:
        need = EntityNeed(entity_id=entity_id, level=level)
        db.session.add(need)
    need.level, need.set_at = level, utcnow()
    db.session.flush()
    return need


# -- requests and routing -------------------------------------------------------------------


def _route(topic: Topic, advisor_id: Any = None) -> Advisor | None:
    """The named advisor when they advise on the topic; else the one with the fewest requests
    routed this week, the one routed to longest ago on a tie (round robin)."""
    if advisor_id is not None:
        named = next((a for a in topic.advisors if a.user_id == advisor_id), None)
        if named is None:
            raise DomainError(
                _l("That person does not advise on this topic."), code="not_an_advisor"
            )
        return named
    if not topic.advisors:
        return None
    load = queries.loads([a.user_id for a in topic.advisors])
    never = datetime.min.replace(tzinfo=utcnow().tzinfo)
    return min(
        topic.advisors,
        key=lambda a: (load.get(a.user_id, 0), a.last_routed_at or never, a.user_id),
    )


def _assign(case: Case, advisor: Advisor | None) -> None:
    now = utcnow()
    case.advisor = advisor
    case.state = CaseState.open if advisor else CaseState.unassigned
    case.routed_at = now if advisor else None
    if advisor is not None:
        advisor.last_routed_at = now


def _text(value: Any, message: Any, limit: int = MAX_TEXT) -> str:
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(message, code="missing")
    if len(text) > limit:
        raise DomainError(_l("The text is too long."), code="too_long")
    return text


def create_request(
    requester: User,
    *,
    topic_id: Any,
    need: Any,
    consent: Any,
    entity_id: Any = None,
    organisation: str = "",
    urgency: Any = Urgency.normal,
    advisor_id: Any = None,
    referred_from: Case | None = None,
) -> Case:
    """A request for advice on a topic: a new case, routed to one of the topic's advisors (or
    the one named), or left for a coordinator when the topic has none."""
    begin_write()
    topic = queries.get_topic(topic_id)
    if topic is None or not topic.active:
        raise DomainError(_l("There is no such topic."), code="unknown_topic")
    if consent is not True:
        raise DomainError(
            _l("Please agree to the use of your request for the programme's figures."),
            code="consent_required",
        )
    need = _text(need, _l("Please say what you need."))
    urgency = Urgency.parse(urgency, "urgency")
    if entity_id is not None:
        entity = db.session.get(Entity, entity_id) if is_id(entity_id) else None
        if entity is None or not (
            may_manage(requester, entity.programme_id) or entity.has_member(requester)
        ):
            raise DomainError(_l("You do not belong to that organisation."), code="unknown_entity")
    case = Case(
        topic=topic,
        requester=requester,
        entity_id=entity_id,
        organisation=(organisation or "").strip()[:200],
        need=need,
        urgency=urgency,
        consent=True,
        state=CaseState.unassigned,
    )
    advisor = _route(topic, advisor_id)
    db.session.add(case)
    case.referred_from = referred_from
    _assign(case, advisor)
    db.session.flush()
    return case


def reassign(case_id: int, advisor_id: Any) -> Case:
    """A coordinator gives a case to another advisor of its topic."""
    begin_write()
    case = _case(case_id)
    if case.state is CaseState.closed:
        raise Conflict(_l("This request is closed."), code="closed")
    _assign(case, _route(case.topic, advisor_id))
    db.session.flush()
    return case


def refer(case_id: int, topic_id: Any, note: str = "") -> Case:
    """Refer a case to another topic: a new request of the same person and organisation on
    it, routed as any other, linked to this one."""
    case = _case(case_id)
    if topic_id == case.topic_id:
        raise DomainError(_l("Please choose another topic."), code="same_topic")
    need = (note or "").strip() or case.need
    return create_request(
        case.requester,
        topic_id=topic_id,
        need=need,
        consent=case.consent,
        entity_id=case.entity_id,
        organisation=case.organisation,
        urgency=case.urgency,
        referred_from=case,
    )


def add_note(case_id: int, author: User, text: Any) -> Note:
    begin_write()
    case = _case(case_id)
    note = Note(case_id=case.id, author=author, text=_text(text, _l("Please write the note.")))
    db.session.add(note)
    db.session.flush()
    return note


def close_case(case_id: int) -> Case:
    begin_write()
    case = _case(case_id)
    if case.booked is not None:
        raise Conflict(
            _l("A consultation is still booked: cancel it or record it as held first."),
            code="booked",
        )
    case.state = CaseState.closed
    db.session.flush()
    return case


def _case(case_id: int) -> Case:
    case = queries.get_case(case_id)
    if case is None:
        raise NotFound(_l("There is no such request."))
    return case


# -- consultations --------------------------------------------------------------------------


def _check_slot(
    advisor: Advisor, starts_at: Any, *, except_workshop: int | None = None
) -> datetime:
    """``starts_at`` when it starts a free slot of the advisor; a 422 when it is in the past or
    outside their hours, a 409 with the next free slots when it is taken."""
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise DomainError(_l("Times must carry a time zone."), code="invalid_time")
    now = utcnow()
    if starts_at <= now:
        raise DomainError(_l("That time has already passed."), code="slot_in_past")
    if starts_at > now + queries.HORIZON:
        raise DomainError(_l("That time is too far ahead."), code="too_far")
    day = timedelta(days=1)
    in_hours = any(
        s.starts_at == starts_at
        for s in queries.hour_slots(advisor, starts_at - day, starts_at + day)
    )
    if not in_hours:
        raise DomainError(
            _l("That time is not one of the advisor's consultation times."), code="outside_hours"
        )
    ends_at = starts_at + timedelta(minutes=advisor.slot_minutes)
    if queries.busy(advisor.user_id, starts_at, ends_at, except_workshop=except_workshop):
        raise SlotTaken(advisor.user_id)
    return starts_at


def _title(case: Case) -> str:
    from lms.i18n import supported_locale

    locale = supported_locale(case.requester.locale)
    with force_locale(locale):
        return str(_l("Consultation: %(topic)s", topic=case.topic.name_in(locale)))


def book(case_id: int, starts_at: Any) -> Consultation:
    """Book a free slot of the case's advisor for its requester (or, proposed by the advisor,
    for them). One consultation at a time per case; the advisor is never double-booked."""
    case = _case(case_id)
    if case.state is CaseState.closed:
        raise Conflict(_l("This request is closed."), code="closed")
    if case.advisor_id is None:
        raise Conflict(_l("This request has no advisor yet."), code="unassigned")
    advisor = lock_advisor(case.advisor_id)
    db.session.refresh(case)  # under the lock: reassigned or booked meanwhile?
    if case.advisor_id != advisor.user_id:
        raise Conflict(_l("This request has just changed advisor."), code="reassigned")
    if case.booked is not None:
        raise Conflict(_l("This request already has a consultation booked."), code="already_booked")
    starts_at = _check_slot(advisor, starts_at)
    ends_at = starts_at + timedelta(minutes=advisor.slot_minutes)
    with from_the_desk():
        workshop = workshops.create_workshop(
            trainer=advisor.user,
            title=_title(case),
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=advisor.timezone,
            capacity=1,
            audience=Audience.cohort,
            programme_id=case.topic.programme_id,
        )
    consultation = Consultation(
        case=case,
        advisor_id=advisor.user_id,
        workshop_id=workshop.id,
        starts_at=starts_at,
        ends_at=ends_at,
        state=ConsultationState.booked,
        sequence=0,
    )
    db.session.add(consultation)
    db.session.flush()
    with from_the_desk():
        workshops.enrol_member(workshop.id, case.requester)  # the requester's invitation
    consultation_changed.send(consultation, change="booked")
    return consultation


def _consultation(consultation_id: int) -> tuple[Consultation, Advisor]:
    found = queries.get_consultation(consultation_id)
    if found is None:
        raise NotFound(_l("There is no such consultation."))
    advisor = lock_advisor(found.advisor_id)
    db.session.refresh(found)
    return found, advisor


def reschedule(consultation_id: int, starts_at: Any) -> Consultation:
    """Move a booked consultation to another free slot of its advisor; both calendars follow
    (its workshop's SEQUENCE rises)."""
    consultation, advisor = _consultation(consultation_id)
    if not consultation.is_booked:
        raise Conflict(_l("Only a booked consultation can be moved."), code="not_booked")
    if starts_at == consultation.starts_at:
        return consultation
    starts_at = _check_slot(advisor, starts_at, except_workshop=consultation.workshop_id)
    ends_at = starts_at + timedelta(minutes=advisor.slot_minutes)
    consultation.starts_at, consultation.ends_at = starts_at, ends_at
    consultation.sequence += 1
    db.session.flush()
    with from_the_desk():
        workshops.update_workshop(consultation.workshop_id, starts_at=starts_at, ends_at=ends_at)
    consultation_changed.send(consultation, change="rescheduled")
    return consultation


def cancel(consultation_id: int) -> Consultation:
    """Cancel a booked consultation; its slot is free again and both calendars drop it."""
    consultation, _advisor = _consultation(consultation_id)
    if consultation.state is ConsultationState.cancelled:
        return consultation
    if not consultation.is_booked:
        raise Conflict(_l("A consultation already held cannot be cancelled."), code="held")
    consultation.state = ConsultationState.cancelled
    db.session.flush()
    with from_the_desk():
        workshops.cancel_workshop(consultation.workshop_id)
    consultation_changed.send(consultation, change="cancelled")
    return consultation


def record_held(consultation_id: int) -> Consultation:
    """The advisor records that the consultation took place (once it has started)."""
    consultation, _advisor = _consultation(consultation_id)
    if consultation.state is ConsultationState.held:
        return consultation
    if not consultation.is_booked:
        raise Conflict(_l("A cancelled consultation cannot be held."), code="cancelled")
    if consultation.starts_at > utcnow():
        raise Conflict(_l("This consultation has not started yet."), code="not_started")
    consultation.state = ConsultationState.held
    db.session.flush()
    return consultation


def on_account_closing(user: User, **_: Any) -> None:
    """A closing account's consultations still to come are cancelled (the advisor is told) and
    its requests keep no words of theirs: topic, dates and states stay, for the figures."""
    cases = db.session.scalars(sa.select(Case).where(Case.requester_id == user.id)).all()
    coming = db.session.scalars(
        sa.select(Consultation.id)
        .where(
            Consultation.case_id.in_([c.id for c in cases]),
            Consultation.state == ConsultationState.booked,
            Consultation.starts_at > utcnow(),
        )
        .order_by(Consultation.id)
    ).all()
    for consultation_id in coming:
        cancel(consultation_id)
    for case in cases:
        case.need, case.organisation = "", ""
    db.session.flush()
