"""A consultation's room and calendars: its requester and advisor alone enter the room, in a
workshop's window; the consultation is in both people's feeds, without the room's address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from courses.advice import operations
from courses.workshops.models import Workshop
from lms.db import db, utcnow
from lms.notifications.operations import outgoing
from tests.advice_fixtures import free
from tests.notify_fixtures import outbox

pytest_plugins = ["tests.advice_fixtures"]  # desk, advice_people

ROLES = ("anonymous", "learner", "requester", "advisor", "other_advisor", "coordinator")


@pytest.fixture
def booked(advice_people):
    """The case's consultation, booked, then moved to start in five minutes (door open)."""
    case = advice_people["case"]
    consultation = operations.book(case.id, free(case.advisor_id)[0].starts_at)
    db.session.commit()
    return consultation


def _move_to_now(consultation) -> None:
    workshop = db.session.get(Workshop, consultation.workshop_id)
    start = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    workshop.starts_at, workshop.ends_at = start, start + timedelta(minutes=45)
    db.session.commit()


STATUSES = list(zip(ROLES, (401, 404, 200, 200, 404, 403), strict=True))


@pytest.mark.parametrize("role,status", STATUSES)
def test_only_the_requester_and_the_advisor_enter_the_room(
    client, advice_people, booked, role, status
):
    # In the window, the two people get the room's address; a coordinator, who sees the
    # case, is refused (403); nobody else finds the consultation.
    _move_to_now(booked)
    response = client.get(
        f"/api/v1/advice/consultations/{booked.id}/room", headers=advice_people["headers"][role]
    )
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 200:
        assert response.get_json()["url"].startswith("https://")


def test_the_room_keeps_a_workshops_window(client, advice_people, booked):
    # Days before the start the door is not open yet: 409 not_open_yet, as a workshop's.
    response = client.get(
        f"/api/v1/advice/consultations/{booked.id}/room",
        headers=advice_people["headers"]["requester"],
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_open_yet"


def test_the_coordinator_is_not_let_through_the_join_door(client, login, advice_people, booked):
    # The page's door refuses a coordinator too, while it lets the requester in.
    _move_to_now(booked)
    login(advice_people["people"]["coordinator"])
    assert client.get(f"/workshops/{booked.workshop_id}/join").status_code == 403


def _feed(client, api_token, user) -> str:
    response = client.post("/api/v1/me/calendar-token", headers=api_token(user))
    path = response.get_json()["feed_url"].removeprefix("http://aula.test")
    return client.get(path).get_data(as_text=True)


def test_the_consultation_is_in_both_feeds_without_its_room(
    client, api_token, advice_people, booked
):
    # Requester and advisor both find it in their feeds; no feed carries the room's address.
    people = advice_people["people"]
    for role in ("requester", "advisor"):
        feed = _feed(client, api_token, people[role])
        assert "Consultation: " in feed or "Consulta: " in feed
        assert "meet.jit.si" not in feed and "/join" not in feed


def _advisor_messages(advisor_id: int):
    from lms.notifications.models import OutboxMessage

    db.session.rollback()
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.recipient_id == advisor_id, OutboxMessage.kind.like("advice.%"))
            .order_by(OutboxMessage.id)
        )
    )


def test_the_advisor_is_invited_moved_and_cancelled_with_a_rising_sequence(
    client, api_token, advice_people, booked
):
    # Booking sends the advisor a REQUEST, moving it a REQUEST with a higher SEQUENCE,
    # cancelling a CANCEL: one UID throughout, the same as in the advisor's feed.
    advisor = advice_people["people"]["advisor"]
    operations.reschedule(booked.id, free(advisor.id)[0].starts_at)
    db.session.commit()
    operations.cancel(booked.id)
    db.session.commit()
    sent = _advisor_messages(advisor.id)
    assert [m.kind for m in sent] == ["advice.booked", "advice.rescheduled", "advice.cancelled"]
    calendars = [outgoing(m).calendar for m in sent]
    assert [outgoing(m).calendar_method for m in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    sequences = [int(c.split("SEQUENCE:")[1].split()[0]) for c in calendars]
    assert sequences == sorted(sequences) and sequences[0] < sequences[1] <= sequences[2]
    uids = {c.split("UID:")[1].split()[0] for c in calendars}
    assert len(uids) == 1
    assert uids.pop() in _feed(client, api_token, advisor)
    assert advice_people["people"]["requester"].name in outgoing(sent[0]).text
    assert 'class="sender"' in outgoing(sent[0]).html  # the one mail layout, signed


def test_the_advisor_is_reminded_of_a_booked_consultation_as_the_requester_is(
    app, advice_people, booked
):
    # A day and an hour before, both people of the consultation are reminded, once each,
    # each with the way into the room; a cancelled consultation reminds nobody.
    from scheduler.notices.operations import enqueue_due_reminders

    people = advice_people["people"]
    workshop = db.session.get(Workshop, booked.workshop_id)
    start = workshop.starts_at
    assert enqueue_due_reminders(start - timedelta(hours=23)) == 2
    assert enqueue_due_reminders(start - timedelta(hours=22)) == 0
    reminded = [m for m in outbox() if m.kind == "workshop.reminder"]
    assert sorted(m.recipient_id for m in reminded) == sorted(
        [people["advisor"].id, people["requester"].id]
    )
    to_advisor = next(m for m in reminded if m.recipient_id == people["advisor"].id)
    assert f"/workshops/{workshop.id}/join" in outgoing(to_advisor).text
    operations.cancel(booked.id)
    db.session.commit()
    assert enqueue_due_reminders(start - timedelta(minutes=50)) == 0
