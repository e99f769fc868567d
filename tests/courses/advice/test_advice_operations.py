"""The advice desk's rules, through its operations: requests and routing, free slots,
booking, moving, cancelling, referring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses.advice import operations, queries
from courses.advice.models import Case, CaseState, Consultation, ConsultationState
from courses.workshops.models import Enrolment, EnrolmentState, Workshop, WorkshopStatus
from lms.db import db, utcnow
from lms.errors import DomainError
from lms.notifications.models import OutboxMessage
from tests.advice_fixtures import count, free, request_for, tomorrow_at
from tests.support import fresh

pytest_plugins = ["tests.advice_fixtures"]  # desk


def test_a_request_without_consent_is_refused_and_nothing_is_written(desk, make_user):
    # No consent to the use of the data: 422 consent_required, no case.
    topic, _ = desk()
    with pytest.raises(DomainError) as refused:
        request_for(make_user(), topic, consent=False)
    assert refused.value.code == "consent_required"
    assert count(Case) == 0


def test_a_request_on_an_unknown_or_inactive_topic_is_refused(desk, make_user):
    # An unknown topic, or one no longer active, takes no request.
    topic, _ = desk()
    person = make_user()
    with pytest.raises(DomainError) as refused:
        request_for(person, topic.__class__(id=topic.id + 100))
    assert refused.value.code == "unknown_topic"
    operations.update_topic(topic.id, active=False)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        request_for(person, topic)
    assert refused.value.code == "unknown_topic"
    assert count(Case) == 0


def test_requests_are_routed_round_robin_by_this_weeks_load(desk, make_user):
    # Six requests over three advisors: two each, each new one to the least loaded.
    topic, advisors = desk(3)
    routed = [request_for(make_user(), topic).advisor_id for _ in range(6)]
    assert routed[:3] == [a.id for a in advisors]
    assert sorted(routed) == sorted([a.id for a in advisors] * 2)


def test_routing_skips_the_advisor_with_more_requests_this_week(desk, make_user):
    # An advisor named in two requests is passed over until the others catch up.
    topic, (first, second) = desk(2)
    request_for(make_user(), topic, advisor_id=first.id)
    request_for(make_user(), topic, advisor_id=first.id)
    assert [request_for(make_user(), topic).advisor_id for _ in range(2)] == [second.id] * 2


def test_a_named_advisor_must_advise_on_the_topic(desk, make_user):
    # Naming someone who does not advise on the topic is refused.
    topic, _ = desk()
    outsider = make_user("trainer")
    with pytest.raises(DomainError) as refused:
        request_for(make_user(), topic, advisor_id=outsider.id)
    assert refused.value.code == "not_an_advisor"
    assert count(Case) == 0


def test_a_topic_without_advisors_leaves_the_request_to_a_coordinator(desk, make_user):
    # Nobody advises on it yet: the case waits unassigned; a coordinator gives it to an
    # advisor added later.
    topic, _ = desk(0)
    case = request_for(make_user(), topic)
    assert case.state is CaseState.unassigned and case.advisor_id is None
    assert [c.id for c in queries.unassigned_cases()] == [case.id]
    advisor = make_user("trainer")
    operations.update_topic(topic.id, advisor_ids=[advisor.id])
    operations.reassign(case.id, advisor.id)
    db.session.commit()
    case = fresh(case)
    assert case.state is CaseState.open and case.advisor_id == advisor.id


def test_free_slots_are_the_hours_minus_what_the_advisor_is_in(desk, make_user, make_workshop):
    # Two slots a day; a consultation takes one, a workshop they train overlapping the other
    # takes it too, a day off takes the day; none is in the past.
    topic, (advisor,) = desk()
    before = free(advisor.id)
    assert all(s.starts_at > utcnow() for s in before)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in before)
    first, second = before[0], before[1]
    operations.book(request_for(make_user(), topic).id, first.starts_at)
    make_workshop(trainer=advisor, starts_at=second.starts_at + timedelta(minutes=30))
    db.session.commit()
    after = free(advisor.id)
    assert first not in after and second not in after
    assert after == before[2:]
    day = after[0].starts_at.astimezone(queries.get_advisor(advisor.id).zone).date()
    operations.set_hours(
        advisor.id, timezone="Europe/Madrid", slot_minutes=45,
        weekly=[(d, "10:00", "11:30") for d in range(1, 8)], days_off=[day],
    )  # fmt: skip
    db.session.commit()
    assert all(s.starts_at.astimezone(queries.get_advisor(advisor.id).zone).date() != day
               for s in free(advisor.id))  # fmt: skip


def test_booking_makes_a_consultation_in_a_workshop_of_two(desk, make_user):
    # The requester is enrolled in a one-seat workshop that the advisor trains, at the slot.
    topic, (advisor,) = desk()
    person = make_user()
    case = request_for(person, topic)
    slot = free(advisor.id)[0]
    consultation = operations.book(case.id, slot.starts_at)
    db.session.commit()
    consultation = fresh(consultation)
    workshop = db.session.get(Workshop, consultation.workshop_id)
    assert (consultation.starts_at, consultation.ends_at) == (slot.starts_at, slot.ends_at)
    assert (workshop.starts_at, workshop.ends_at, workshop.capacity) == (
        slot.starts_at, slot.ends_at, 1,
    )  # fmt: skip
    assert workshop.trainer_id == advisor.id
    seat = db.session.scalar(db.select(Enrolment).where(Enrolment.workshop_id == workshop.id))
    assert seat.user_id == person.id and seat.state is EnrolmentState.enrolled
    invitation = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.recipient_id == person.id)
    )
    assert invitation.payload["calendar_method"] == "REQUEST"


def test_a_taken_slot_is_refused_with_the_next_free_ones(desk, make_user):
    # The second person asking for the same slot is told it is taken and shown the next
    # free slots, which do not include it; nothing of their attempt is written.
    topic, (advisor,) = desk()
    slot = free(advisor.id)[0]
    operations.book(request_for(make_user(), topic).id, slot.starts_at)
    db.session.commit()
    late = request_for(make_user(), topic)
    workshops = count(Workshop)
    with pytest.raises(operations.SlotTaken) as refused:
        operations.book(late.id, slot.starts_at)
    db.session.rollback()
    assert refused.value.status == 409
    assert refused.value.next_slots and slot not in refused.value.next_slots
    assert refused.value.next_slots == free(advisor.id)[:5]
    assert count(Workshop) == workshops and count(Consultation) == 1


@pytest.mark.parametrize(
    "when,code",
    [
        (lambda: utcnow() - timedelta(hours=1), "slot_in_past"),
        (lambda: tomorrow_at(16), "outside_hours"),
        (lambda: tomorrow_at(10, 10), "outside_hours"),
    ],
)
def test_a_slot_in_the_past_or_outside_the_hours_is_refused(desk, make_user, when, code):
    # Only a slot of the advisor's hours, still to come, can be booked.
    topic, _ = desk()
    case = request_for(make_user(), topic)
    with pytest.raises(DomainError) as refused:
        operations.book(case.id, when())
    db.session.rollback()
    assert refused.value.code == code and refused.value.status == 422
    assert count(Consultation) == 0 and count(Workshop) == 0


def test_one_booked_consultation_at_a_time_per_request(desk, make_user):
    # A second booking on the same case while one is booked is refused.
    topic, (advisor,) = desk()
    case = request_for(make_user(), topic)
    first, second = free(advisor.id)[:2]
    operations.book(case.id, first.starts_at)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        operations.book(case.id, second.starts_at)
    assert refused.value.code == "already_booked"


def _messages(user_id: int) -> list[OutboxMessage]:
    db.session.rollback()
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user_id)
            .order_by(OutboxMessage.id)
        )
    )


def test_rescheduling_raises_the_sequence_and_cancelling_frees_the_slot(desk, make_user):
    # Moving a consultation raises its SEQUENCE and its workshop's, and sends a new REQUEST;
    # cancelling sends CANCEL and gives the slot back.
    topic, (advisor,) = desk()
    person = make_user()
    first, second = free(advisor.id)[:2]
    consultation = operations.book(request_for(person, topic).id, first.starts_at)
    db.session.commit()
    operations.reschedule(consultation.id, second.starts_at)
    db.session.commit()
    consultation = fresh(consultation)
    workshop = db.session.get(Workshop, consultation.workshop_id)
    assert consultation.sequence == 1 and workshop.sequence == 1
    assert (workshop.starts_at, consultation.starts_at) == (second.starts_at,) * 2
    assert first in free(advisor.id) and second not in free(advisor.id)
    methods = [m.payload["calendar_method"] for m in _messages(person.id)]
    assert methods == ["REQUEST", "REQUEST"]
    assert "SEQUENCE:1" in _messages(person.id)[-1].payload["calendar"]

    operations.cancel(consultation.id)
    db.session.commit()
    assert fresh(consultation).state is ConsultationState.cancelled
    assert db.session.get(Workshop, consultation.workshop_id).status is WorkshopStatus.cancelled
    assert second in free(advisor.id)
    assert _messages(person.id)[-1].payload["calendar_method"] == "CANCEL"


def test_a_consultation_is_recorded_held_only_once_started(desk, make_user):
    # Held is recorded after the start; then a follow-up can be booked on the same case.
    topic, (advisor,) = desk()
    case = request_for(make_user(), topic)
    first, second = free(advisor.id)[:2]
    consultation = operations.book(case.id, first.starts_at)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        operations.record_held(consultation.id)
    assert refused.value.code == "not_started"
    db.session.rollback()
    held = fresh(consultation)
    held.starts_at -= timedelta(days=30)  # as if it had taken place
    db.session.commit()
    operations.record_held(consultation.id)
    db.session.commit()
    assert fresh(consultation).state is ConsultationState.held
    follow_up = operations.book(case.id, second.starts_at)
    db.session.commit()
    assert fresh(follow_up).case_id == case.id


def test_referral_routes_a_new_request_on_another_topic_and_keeps_the_link(desk, make_user):
    # A referral is a new case of the same person on the other topic, routed to one of its
    # advisors, pointing back to the first; the same topic is refused.
    shop, _ = desk(name="Tienda online")
    law, (lawyer,) = desk(name="Protección de datos")
    person = make_user()
    case = request_for(person, shop)
    with pytest.raises(DomainError) as refused:
        operations.refer(case.id, shop.id)
    assert refused.value.code == "same_topic"
    db.session.rollback()
    referral = operations.refer(case.id, law.id, "Revisar el aviso legal")
    db.session.commit()
    referral = fresh(referral)
    assert referral.topic_id == law.id and referral.requester_id == person.id
    assert referral.advisor_id == lawyer.id and referral.state is CaseState.open
    assert referral.referred_from_id == case.id
    assert [c.id for c in fresh(case).referrals] == [referral.id]
    assert referral.need == "Revisar el aviso legal"


def test_a_consultations_workshop_is_changed_only_from_the_desk(desk, make_user):
    # Moving, cancelling or leaving a consultation's workshop through the workshops' own
    # operations is refused: it would skip the advisor's lock.
    from courses.workshops import operations as workshops

    topic, (advisor,) = desk()
    person = make_user()
    first, second = free(advisor.id)[:2]
    consultation = operations.book(request_for(person, topic).id, first.starts_at)
    db.session.commit()
    attempts = [
        lambda: workshops.update_workshop(
            consultation.workshop_id, starts_at=second.starts_at, ends_at=second.ends_at
        ),
        lambda: workshops.cancel_workshop(consultation.workshop_id),
        lambda: workshops.withdraw(consultation.workshop_id, person.id),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        db.session.rollback()
        assert refused.value.code == "consultation"
    workshop = db.session.get(Workshop, consultation.workshop_id)
    assert workshop.starts_at == first.starts_at and workshop.status is WorkshopStatus.scheduled
