"""Everyone whose plans change hears about it, in their language and time zone, with an
invitation their calendar understands (RFC 5546), read by vobject and by Mozilla's ical.js."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from courses.workshops import operations as workshops
from lms.db import db, utcnow
from lms.notifications.operations import outgoing
from lms.notifications.worker import run_pass
from scheduler.notices.operations import enqueue_due_reminders
from tests.notify_fixtures import calendar_part, layout, outbox, read_icaljs, read_vobject

UTC = ZoneInfo("UTC")

pytest_plugins = ["tests.notify_fixtures"]  # smtp, smtp_down, start_worker


def _ics(mail) -> str:
    return calendar_part(mail).get_content()


def _events(mails) -> list[dict]:
    """Each invitation as (vobject's reading, ical.js's reading), checked to agree."""
    texts = [_ics(m) for m in mails]
    readings = []
    for text, js in zip(texts, read_icaljs(texts), strict=True):
        vo = read_vobject(text)
        event = vo.vevent
        [js_event] = js["events"]
        reading = {
            "method": vo.method.value,
            "uid": event.uid.value,
            "sequence": int(event.sequence.value),
            "status": event.status.value,
            "start": event.dtstart.value.astimezone(UTC),
            "end": event.dtend.value.astimezone(UTC),
        }
        assert js["method"] == reading["method"]
        assert (js_event["uid"], js_event["sequence"], js_event["status"]) == (
            reading["uid"],
            reading["sequence"],
            reading["status"],
        )
        assert js_event["start"] == reading["start"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert js_event["end"] == reading["end"].strftime("%Y-%m-%dT%H:%M:%SZ")
        readings.append(reading)
    return readings


def test_demo_learner_enrols_is_moved_and_withdraws(app, client, login, smtp):
    # Done-when of issue 4: a demo learner who enrols, is moved by a reschedule and withdraws
    # receives three messages whose invitations create, move and remove one calendar event.
    from courses.demo import PASSWORD, load_demo
    from courses.workshops.models import Workshop
    from lms.accounts.queries import user_by_email

    app.config.update(smtp.config)
    load_demo()
    db.session.commit()
    run_pass()  # the demo's own enrolments
    legal = db.session.scalar(sa.select(Workshop).where(Workshop.title.like("Aspectos%")))
    laura = user_by_email("laura@aula.example")
    workshop_id, old_start = legal.id, legal.starts_at
    already = len(smtp.inbox.to(laura.email))  # she waits for the first demo workshop
    login(laura, password=PASSWORD)
    assert client.post(f"/workshops/{workshop_id}/enrol").status_code == 303
    # the coordinator moves it a day later, an hour earlier
    workshops.update_workshop(
        workshop_id,
        starts_at=old_start + timedelta(hours=23),
        ends_at=old_start + timedelta(hours=24),
    )
    db.session.commit()
    assert client.post(f"/workshops/{workshop_id}/withdraw").status_code == 303
    run_pass()
    mails = smtp.inbox.to(laura.email)[already:]
    assert len(mails) == 3
    for mail in mails:
        assert layout(mail) == [
            "multipart/mixed",
            " multipart/alternative",
            "  text/plain",
            "  text/html",
            "  text/calendar",
        ]
        part = calendar_part(mail)
        method = part.get_content().split("METHOD:")[1].split()[0]
        assert part.get_param("method") == method and part.get_content_charset() == "utf-8"
        assert (
            f'Content-Type: text/calendar; charset="utf-8"; method={method}\r\n'.encode()
            in mail.raw
        )
        assert part.get_content().count("\r\n") == part.get_content().count("\n")  # CRLF lines
        assert mail["From"].addresses[0].addr_spec == "aula@aula.test"
    created, moved, removed = _events(mails)
    assert [created["method"], moved["method"], removed["method"]] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    assert (
        created["uid"]
        == moved["uid"]
        == removed["uid"]
        == f"workshop-{workshop_id}-{laura.id}@aula.test"
    )
    assert created["sequence"] < moved["sequence"] < removed["sequence"]
    assert removed["status"] == "CANCELLED" and created["status"] == "CONFIRMED"
    assert created["start"] == old_start
    assert moved["start"] == removed["start"] == old_start + timedelta(hours=23)
    ics = _ics(mails[0])
    assert "ORGANIZER;CN=Aula:mailto:aula@aula.test" in ics
    assert f"mailto:{laura.email}" in ics and "/join" not in ics
    # Outlook builds its entry from the body: the date, the time and the link are there too,
    # in Galician: the demo's Pontevedra people speak it (issue 18).
    body = mails[1].get_body(("plain",)).get_content()
    assert "Páxina do obradoiro: http://aula.test/workshops/" in body and "Como entrar:" in body
    assert "este obradoiro cambiou" in body and "Estaba previsto para" in body
    assert "deixaches a túa praza" in mails[2].get_body(("plain",)).get_content()


CASES = [
    # (workshop zone, local date, UTC hour of 12:00 local)
    ("Europe/Madrid", "2027-01-12", 11),
    ("Europe/Madrid", "2027-07-13", 10),
    ("America/Bogota", "2027-01-12", 17),
    ("America/Bogota", "2027-07-13", 17),
    ("America/Argentina/Buenos_Aires", "2027-01-12", 15),
    ("America/Argentina/Buenos_Aires", "2027-07-13", 15),
]


def test_invitation_times_in_winter_and_summer_in_three_zones(app, smtp, make_user, make_workshop):
    # 12:00 in Madrid, Bogotá and Buenos Aires, winter and summer, is the right instant for
    # both parsers; the mail shows it in the reader's zone and in the workshop's.
    app.config.update(smtp.config)
    expected = {}
    for zone, day, utc_hour in CASES:
        start = datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo(zone))
        reader_zone = "America/Bogota" if zone == "Europe/Madrid" else "Europe/Madrid"
        learner = make_user(locale="es", timezone=reader_zone)
        workshop = make_workshop(starts_at=start, timezone=zone)
        workshops.enrol(workshop.id, learner)
        db.session.commit()
        expected[learner.email] = (start, utc_hour, reader_zone, zone)
    run_pass()
    mails = [smtp.inbox.to(address)[0] for address in expected]
    for mail, reading in zip(mails, _events(mails), strict=True):
        start, utc_hour, reader_zone, zone = expected[mail["To"].addresses[0].addr_spec]
        assert reading["start"] == start.astimezone(UTC) and reading["start"].hour == utc_hour
        assert f"TZID={zone}" in _ics(mail) and "BEGIN:VTIMEZONE" in _ics(mail)
        text = mail.get_body(("plain",)).get_content()
        reader_time = start.astimezone(ZoneInfo(reader_zone)).strftime("%-H:%M")
        assert f" {reader_time}\N{EN DASH}" in text and f"({reader_zone})" in text
        assert "12:00\N{EN DASH}13:00" in text and f"({zone})" in text
        assert mail["Subject"].startswith("Tienes plaza")


def test_waiting_promotion_and_cancellation(app, smtp, make_user, make_workshop):
    # The waiting list hears its position (no invitation); a promotion brings an invitation;
    # a cancellation removes the event of everyone seated and tells everyone waiting.
    app.config.update(smtp.config)
    workshop = make_workshop(capacity=1)
    first, second, third = make_user(), make_user(locale="ca"), make_user()
    for person in (first, second, third):
        workshops.enrol(workshop.id, person)
    workshops.withdraw(workshop.id, first.id)
    workshops.cancel_workshop(workshop.id)
    db.session.commit()
    run_pass()
    waiting = smtp.inbox.to(second.email)
    assert [m["Subject"].split(":")[0] for m in waiting] == [
        "En llista d'espera",
        "Una plaça per a tu",
        "Cancel·lat",
    ]
    assert "número 1" in waiting[0].get_body(("plain",)).get_content()
    assert calendar_part(waiting[0]) is None
    promoted, cancelled = _events(waiting[1:])
    assert (promoted["method"], cancelled["method"]) == ("REQUEST", "CANCEL")
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] > promoted["sequence"]
    still_waiting = smtp.inbox.to(third.email)
    assert len(still_waiting) == 2 and calendar_part(still_waiting[-1]) is None
    assert "cancelled" in still_waiting[-1].get_body(("plain",)).get_content()
    [enrolled, withdrawn] = _events(smtp.inbox.to(first.email))
    assert withdrawn["method"] == "CANCEL" and withdrawn["uid"] == enrolled["uid"]


def test_a_change_nobody_needs_to_hear_about_sends_nothing(app, make_user, make_workshop):
    # Raising the capacity changes no one's plans: no message (but the promotion's).
    workshop = make_workshop(capacity=1)
    make_user_a, waiting = make_user(), make_user()
    workshops.enrol(workshop.id, make_user_a)
    workshops.enrol(workshop.id, waiting)
    db.session.commit()
    before = len(outbox())
    workshops.update_workshop(workshop.id, capacity=2)
    db.session.commit()
    assert [m.kind for m in outbox()[before:]] == ["workshop.promoted"]


def test_reminders_come_once_per_offset_and_again_after_a_reschedule(app, make_user, make_workshop):
    # 24 h and 1 h before, once each however many passes run; a workshop moved later is
    # reminded of again at its new time. Reminders carry the way in.
    start = (utcnow() + timedelta(hours=30)).replace(microsecond=0)
    workshop = make_workshop(starts_at=start)
    learner = make_user()
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    assert enqueue_due_reminders(start - timedelta(hours=25)) == 0
    assert enqueue_due_reminders(start - timedelta(hours=23)) == 1
    assert enqueue_due_reminders(start - timedelta(hours=22)) == 0
    assert enqueue_due_reminders(start - timedelta(minutes=50)) == 1
    assert enqueue_due_reminders(start - timedelta(minutes=40)) == 0
    reminders = [m for m in outbox() if m.kind == "workshop.reminder"]
    assert [m.recipient_id for m in reminders] == [learner.id, learner.id]
    assert "starts in 23 hours" in outgoing(reminders[0]).text  # the time left, as sent
    assert "starts in 50 minutes" in outgoing(reminders[1]).text
    assert f"/workshops/{workshop.id}/join" in outgoing(reminders[1]).text
    workshops.update_workshop(
        workshop.id, starts_at=start + timedelta(days=2), ends_at=start + timedelta(days=2, hours=1)
    )
    db.session.commit()
    assert enqueue_due_reminders(start + timedelta(days=2) - timedelta(hours=23)) == 1


@pytest.mark.parametrize("minutes", [[60], [1440, 60], [2880, 1440, 60]])
def test_enrolling_late_brings_only_the_nearest_reminder(app, make_user, make_workshop, minutes):
    # Someone who enrols 30 minutes before gets one reminder, not one per configured offset.
    start = (utcnow() + timedelta(minutes=45)).replace(microsecond=0)
    workshop = make_workshop(starts_at=start)
    workshops.enrol(workshop.id, make_user())
    db.session.commit()
    app.config["REMINDERS"] = minutes
    assert enqueue_due_reminders(start - timedelta(minutes=30)) == 1
    assert enqueue_due_reminders(start - timedelta(minutes=20)) == 0


def test_names_are_text_not_markup_in_the_html_part(app, make_user, make_workshop):
    # A name with HTML characters reaches the HTML part as text, never as markup.
    learner = make_user(name="Ana <b>&</b>")
    workshop = make_workshop()
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    [message] = outbox(recipient_id=learner.id)
    assert "Ana &lt;b&gt;&amp;&lt;/b&gt;" in outgoing(message).html
    assert "<b>&</b>" not in outgoing(message).html
    assert "Ana <b>&</b>" in outgoing(message).text


def test_the_record_written_under_the_seat_lock_holds_facts_not_text(app, make_user, make_workshop):
    # Issue 13: the enrolment's transaction records what the message states (kind, ids, the
    # invitation's METHOD and SEQUENCE, title and times), and renders nothing.
    learner = make_user(locale="es", timezone="America/Bogota")
    workshop = make_workshop(title="Facturación")
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    [message] = outbox(recipient_id=learner.id)
    assert set(message.payload) == {"to_name", "facts"}
    facts = message.payload["facts"]
    assert facts["method"] == "REQUEST" and facts["sequence"] == 0
    assert facts["to"] == {"id": learner.id, "locale": "es", "timezone": "America/Bogota"}
    assert facts["workshop"]["title"] == "Facturación"
    assert facts["workshop"]["starts_at"] == workshop.starts_at.isoformat()


def test_a_message_rendered_later_says_what_was_true_at_the_change(app, make_user, make_workshop):
    # Rendered by the worker after the workshop has moved and been renamed, the enrolment's
    # message still states the title, time and SEQUENCE of the moment it was written, and a
    # second rendering (a retry) gives the same bytes.
    learner = make_user(locale="ca", timezone="UTC")
    start = datetime(2031, 5, 6, 8, 0, tzinfo=ZoneInfo("UTC"))
    workshop = make_workshop(title="Primer títol", starts_at=start)
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    later = start + timedelta(days=3)
    workshops.update_workshop(
        workshop.id, title="Segon títol", starts_at=later, ends_at=later + timedelta(hours=1)
    )
    db.session.commit()
    first, second = outbox(recipient_id=learner.id)
    sent = outgoing(first)
    assert "Primer títol" in sent.subject and "Segon" not in sent.text
    assert "6 de maig del 2031" in sent.text and "9 de maig" not in sent.text
    assert "SEQUENCE:0" in sent.calendar.replace("\r\n", "\n")
    assert "SEQUENCE:1" in outgoing(second).calendar.replace("\r\n", "\n")
    assert outgoing(first) == sent


def test_the_deliveries_page_shows_the_subject_rendered_from_the_facts(
    app, client, login, make_user, make_workshop
):
    # The coordinator's deliveries page still names each message by its subject.
    workshop = make_workshop(title="Taller de web")
    workshops.enrol(workshop.id, make_user(locale="gl"))
    db.session.commit()
    login(make_user("coordinator", admin=True))
    page = client.get("/deliveries").get_data(as_text=True)
    assert "Taller de web" in page
    assert str(outgoing(outbox()[0]).subject) in page
