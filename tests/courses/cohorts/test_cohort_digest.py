"""One digest instead of a flood (issue 18): an operation that touches many meetings of one
person (an entity admitted to a year-long cohort, removed from it, a new mentor) tells each
person once, in their language, with one invitation holding every meeting as its own VEVENT
(its own UID and SEQUENCE), read alike by icalendar and by Mozilla's ical.js; a later change
of one meeting carries a SEQUENCE above the digest's for its UID."""

from __future__ import annotations

import sqlalchemy as sa
from icalendar import Calendar

from courses.cohorts import operations as cohorts
from courses.cohorts.models import CohortMeeting
from courses.workshops import operations as workshops
from courses.workshops.models import Workshop
from lms.db import db
from lms.notifications.operations import outgoing
from lms.notifications.worker import run_pass
from scheduler import ical
from tests.feeds_fixtures import read_icaljs
from tests.notify_fixtures import calendar_part, outbox

pytest_plugins = ["tests.notify_fixtures"]  # smtp

#: A year: 12 cohort-wide workshops (every 4 weeks), and for each entity 26 check-ins (every
#: 2 weeks) and 3 mentoring meetings: 41 meetings for each member of an admitted entity.
YEAR = [
    {"kind": "workshop", "title": "Taller mensual", "week": 1, "weekday": 2,
     "start_time": "10:00", "duration_minutes": 90, "repeat_every_weeks": 4, "repeat_count": 12},
    {"kind": "check-in", "title": "Seguiment", "week": 1, "weekday": 5,
     "start_time": "09:30", "duration_minutes": 30, "repeat_every_weeks": 2, "repeat_count": 26},
    {"kind": "mentoring", "title": "Mentoria", "week": 2, "weekday": 3,
     "start_time": "17:00", "duration_minutes": 60, "repeat_every_weeks": 17, "repeat_count": 3},
]  # fmt: skip
MEETINGS, OWN = 41, 29


def _admitted(make_cohort, make_entity, make_user):
    """A year-long cohort and an entity of three (en, es, gl) admitted to it, committed; the
    outbox emptied of what came before the admission."""
    cohort = make_cohort(steps=YEAR, referent=make_user("coordinator", locale="ca"))
    people = [make_user(name=f"Persona {loc}", locale=loc) for loc in ("en", "es", "gl")]
    entity = make_entity(name="Coop Any", members=people)
    before = {m.id for m in outbox()}
    cohorts.admit_entity(cohort.id, entity.id)
    db.session.commit()
    return cohort, entity, [db.session.merge(p) for p in people], before


def _events(message) -> list:
    return Calendar.from_ical(outgoing(message).calendar).walk("VEVENT")


def _meeting_ids(cohort_id: int, *, own: bool | None = None) -> set[int]:
    query = sa.select(CohortMeeting.workshop_id).where(CohortMeeting.cohort_id == cohort_id)
    if own is not None:
        column = CohortMeeting.entity_id
        query = query.where(column.is_not(None) if own else column.is_(None))
    return set(db.session.scalars(query))


def _uids(user_id: int, workshop_ids: set[int]) -> set[str]:
    return {f"workshop-{w}-{user_id}@aula.test" for w in workshop_ids}


def test_admitting_an_entity_of_three_to_a_years_cohort_sends_three_messages(
    app, make_cohort, make_entity, make_user, smtp
):
    # Three members, 41 meetings each: 3 messages (the admission, leading the list of
    # meetings), each with one REQUEST holding the 41 meetings as 41 VEVENTs of their own
    # UIDs, read alike by icalendar and ical.js; delivered through SMTP as one mail each.
    app.config.update(smtp.config)
    cohort, _entity, people, before = _admitted(make_cohort, make_entity, make_user)
    written = [m for m in outbox() if m.id not in before]
    assert len(written) == 3
    assert sorted(m.recipient_id for m in written) == sorted(p.id for p in people)
    meetings = _meeting_ids(cohort.id)
    assert len(meetings) == MEETINGS
    readings = read_icaljs([outgoing(m).calendar for m in written])
    for message, js in zip(written, readings, strict=True):
        assert message.kind == "cohort.admitted"
        sent = outgoing(message)
        assert sent.calendar_method == "REQUEST"
        events = _events(message)
        assert {str(e["UID"]) for e in events} == _uids(message.recipient_id, meetings)
        assert {e["STATUS"] for e in events} == {"CONFIRMED"}
        assert js["method"] == "REQUEST"
        assert [(e["uid"], e["sequence"]) for e in js["events"]] == [
            (str(e["UID"]), int(e["SEQUENCE"])) for e in events
        ]
        assert sent.text.count("Taller mensual") == 12
    assert run_pass() == 3
    for person in people:
        [mail] = smtp.inbox.to(person.email)
        assert calendar_part(mail).get_param("method") == "REQUEST"
    # each in its own language: subject, intro and list
    [es] = smtp.inbox.to(people[1].email)
    assert es["Subject"] == "Admitida en Cohort tardor: Coop Any"
    assert "Tienes plaza en estos talleres:" in es.get_body(("plain",)).get_content()
    [gl] = smtp.inbox.to(people[2].email)
    assert gl["Subject"] == "Admitida en Cohort tardor: Coop Any"
    body = gl.get_body(("plain",)).get_content()
    assert "Tes praza nestes obradoiros:" in body and "Páxina do obradoiro" in body
    assert "A invitación adxunta ponos no teu calendario" in body


def test_removing_the_entity_sends_three_cancellations(app, make_cohort, make_entity, make_user):
    # Removed: each member gets one message whose one CANCEL holds every meeting (its own
    # cancelled, the cohort-wide ones it is taken off), each SEQUENCE above the admission's.
    cohort, entity, people, before = _admitted(make_cohort, make_entity, make_user)
    admitted = {m.recipient_id: m for m in outbox() if m.id not in before}
    sequences = {str(e["UID"]): int(e["SEQUENCE"]) for m in admitted.values() for e in _events(m)}
    seen = {m.id for m in outbox()}
    cohorts.remove_entity(cohort.id, entity.id)
    db.session.commit()
    written = [m for m in outbox() if m.id not in seen]
    assert len(written) == 3
    meetings = _meeting_ids(cohort.id)
    for message in written:
        assert message.kind == "cohort.left"
        sent = outgoing(message)
        assert sent.calendar_method == "CANCEL"
        events = _events(message)
        assert {str(e["UID"]) for e in events} == _uids(message.recipient_id, meetings)
        assert {e["STATUS"] for e in events} == {"CANCELLED"}
        assert all(int(e["SEQUENCE"]) > sequences[str(e["UID"])] for e in events)
    [js] = read_icaljs([outgoing(written[0]).calendar])
    assert js["method"] == "CANCEL" and len(js["events"]) == MEETINGS
    [en] = [m for m in written if m.recipient_id == people[0].id]
    assert outgoing(en).subject == "No longer in Cohort tardor: Coop Any"
    assert "The invitation attached removes them from your calendar." in outgoing(en).text


def test_a_new_mentor_sends_only_what_changed(app, make_cohort, make_entity, make_user):
    # A mentor takes over the entity's own meetings: each member gets one message with those
    # 29 meetings only (not the cohort-wide ones), each SEQUENCE raised; the entity's referent
    # reads the pairing at its head; the mentor hears of the pairing, once.
    cohort, entity, people, _before = _admitted(make_cohort, make_entity, make_user)
    mentor = make_user("trainer", name="Mentora", locale="es")
    seen = {m.id for m in outbox()}
    cohorts.assign_mentor(cohort.id, entity.id, db.session.merge(mentor))
    db.session.commit()
    written = [m for m in outbox() if m.id not in seen]
    by_person = {m.recipient_id: m for m in written}
    assert len(written) == len(by_person) == 4
    assert by_person[mentor.id].kind == "cohort.mentor_assigned"
    assert outgoing(by_person[mentor.id]).calendar == ""
    own = _meeting_ids(cohort.id, own=True)
    for person in people:
        message = by_person[person.id]
        assert {str(e["UID"]) for e in _events(message)} == _uids(person.id, own)
        assert all(int(e["SEQUENCE"]) == 1 for e in _events(message))
    assert by_person[people[0].id].kind == "cohort.mentor_assigned"  # the referent
    assert outgoing(by_person[people[0].id]).subject == "Mentor for Coop Any in Cohort tardor"
    assert by_person[people[1].id].kind == "workshop.changed"
    assert (
        outgoing(by_person[people[1].id]).subject == "Cambios: Seguiment · Coop Any (1/26) y 28 más"
    )


def test_unpairing_the_mentor_hands_the_meetings_back_to_the_referent_once(
    app, make_cohort, make_entity, make_user
):
    # The coordinator unpairs the mentor: the entity's own coming meetings are led by the
    # cohort's referent again (each member told once, each SEQUENCE raised again), the former
    # mentor and the entity's referent hear of it, once each, in their language; asking again
    # changes nothing and tells nobody.
    cohort, entity, people, _before = _admitted(make_cohort, make_entity, make_user)
    mentor = make_user("trainer", name="Mentora", locale="es")
    cohorts.assign_mentor(cohort.id, entity.id, db.session.merge(mentor))
    db.session.commit()
    seen = {m.id for m in outbox()}
    cohorts.unpair_mentor(cohort.id, entity.id)
    db.session.commit()
    own = _meeting_ids(cohort.id, own=True)
    leaders = set(db.session.scalars(sa.select(Workshop.trainer_id).where(Workshop.id.in_(own))))
    assert leaders == {cohort.referent_id}
    written = [m for m in outbox() if m.id not in seen]
    by_person = {m.recipient_id: m for m in written}
    assert len(written) == len(by_person) == 4
    assert by_person[mentor.id].kind == "cohort.mentor_removed"
    told = outgoing(by_person[mentor.id])
    assert told.subject == "Sin mentoría para Coop Any en Cohort tardor"
    assert "ya no eres quien mentoriza a Coop Any" in told.text and told.calendar == ""
    assert by_person[people[0].id].kind == "cohort.mentor_removed"  # the referent
    for person in people:
        assert all(int(e["SEQUENCE"]) == 2 for e in _events(by_person[person.id]))
    seen = {m.id for m in outbox()}
    cohorts.unpair_mentor(cohort.id, entity.id)
    db.session.commit()
    assert [m for m in outbox() if m.id not in seen] == []


def test_a_later_change_of_one_meeting_raises_its_sequence_above_the_digests(
    app, make_cohort, make_entity, make_user
):
    # After the digest, one meeting changes alone: its message is the one-workshop message,
    # and its SEQUENCE for that UID is above the one the digest carried.
    cohort, _entity, people, before = _admitted(make_cohort, make_entity, make_user)
    [digest] = [m for m in outbox() if m.id not in before and m.recipient_id == people[0].id]
    workshop_id = min(_meeting_ids(cohort.id, own=False))
    uid = f"workshop-{workshop_id}-{people[0].id}@aula.test"
    [in_digest] = [e for e in _events(digest) if str(e["UID"]) == uid]
    seen = {m.id for m in outbox()}
    workshops.update_workshop(workshop_id, title="Taller mensual, nou lloc")
    db.session.commit()
    [single] = [m for m in outbox() if m.id not in seen and m.recipient_id == people[0].id]
    assert single.kind == "workshop.changed" and "facts" in single.payload
    [event] = _events(single)
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) > int(in_digest["SEQUENCE"])
    assert ical.personal_uid(db.session.get(Workshop, workshop_id), people[0].id) == uid


def test_a_new_member_of_an_admitted_entity_gets_one_message(
    app, make_cohort, make_entity, make_user
):
    # Someone who joins an admitted entity is enrolled in its 41 coming meetings: one message,
    # one REQUEST of 41 VEVENTs, its subject naming the first meeting "and 40 more"; the
    # deliveries page reads the same subject.
    from courses.entities import operations as entities

    cohort, entity, _people, _before = _admitted(make_cohort, make_entity, make_user)
    newcomer = make_user(name="Nova", locale="en")
    entities.add_member(entity.id, db.session.merge(newcomer), "member")
    db.session.commit()
    [message] = outbox(recipient_id=newcomer.id)
    sent = outgoing(message)
    assert message.kind == "workshop.enrolled" and sent.calendar_method == "REQUEST"
    assert len(_events(message)) == MEETINGS
    earliest = min(
        (db.session.get(Workshop, w) for w in _meeting_ids(cohort.id)), key=lambda w: w.starts_at
    )
    assert sent.subject == f"You are enrolled: {earliest.title} and 40 more"
    assert sent.subject.startswith("You are enrolled: ") and sent.subject.endswith(" and 40 more")
    assert message.subject == sent.subject
    assert sent.text.startswith("Hello Nova, this change concerns 41 workshops of yours")
