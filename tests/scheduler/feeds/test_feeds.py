"""Calendar feeds: a personal feed per person, the public catalogue and one workshop's file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from courses.workshops import operations as workshops
from courses.workshops.models import Audience, Enrolment, Workshop
from lms.db import db, utcnow
from scheduler.feeds.models import CalendarToken
from scheduler.feeds.views import shown_last_modified
from tests.feeds_fixtures import icaljs, vobject_events
from tests.support import count_queries, fresh

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def feed_of(client, api_token):
    """``feed_of(user)``: the address of a new personal feed for ``user``, through the API."""

    def make(user) -> str:
        response = client.post("/api/v1/me/calendar-token", headers=api_token(user))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["feed_url"].removeprefix("http://aula.test")

    return make


def enrol(workshop, user):
    enrolment, _ = workshops.enrol(workshop.id, db.session.merge(user))
    db.session.commit()
    return enrolment


def unfold(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def backdate(minutes: int = 10) -> None:
    """Move every change time back, as if it all happened a while ago."""
    ago = timedelta(minutes=minutes)
    for table, columns in (
        (Workshop, ("calendar_changed_at", "updated_at")),
        (Enrolment, ("updated_at",)),
        (CalendarToken, ("created_at",)),
    ):
        for row in db.session.scalars(sa.select(table)):
            for column in columns:
                setattr(row, column, getattr(row, column) - ago)
    db.session.commit()


def test_a_personal_feed_holds_places_waiting_places_and_teaching(
    client, make_user, make_workshop, feed_of
):
    # Enrolled and taught workshops are confirmed; a waiting place is tentative with its
    # position; each is the person's own event (UID and SEQUENCE of their invitation).
    learner, other = make_user(), make_user()
    seat = make_workshop(title="Marketing de contenidos")
    full = make_workshop(title="Stories de Instagram", capacity=1)
    enrol(seat, learner)
    enrol(full, other)
    waiting = enrol(full, learner)
    trainer_too = make_user("trainer")
    taught = make_workshop(title="Aspectos legales", trainer=trainer_too)

    response = client.get(feed_of(learner))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    by_uid = {e["uid"]: e for e in icaljs(response.data)["events"]}
    mine = by_uid[f"workshop-{seat.id}-{learner.id}@aula.test"]
    assert mine["status"] == "CONFIRMED" and mine["summary"] == "Marketing de contenidos"
    queued = by_uid[f"workshop-{full.id}-{learner.id}@aula.test"]
    assert queued["status"] == "TENTATIVE"
    assert queued["summary"] == "Waiting list, no. 1: Stories de Instagram"
    assert queued["sequence"] == full.sequence + waiting.revision
    assert len(by_uid) == 2
    assert {e["uid"] for e in vobject_events(response.data)} == set(by_uid)

    teaching = client.get(feed_of(trainer_too))
    events = icaljs(teaching.data)["events"]
    assert [(e["uid"], e["status"]) for e in events] == [
        (f"workshop-{taught.id}-{trainer_too.id}@aula.test", "CONFIRMED")
    ]


def test_feed_header_follows_the_protocol_in_the_owners_language(
    client, make_user, make_workshop, feed_of
):
    # No METHOD, NAME and X-WR-CALNAME in the owner's language, a 4-hour refresh written
    # the RFC 7986 way, the zone's VTIMEZONE, and a URL back to the workshop's page.
    learner = make_user(locale="es")
    workshop = make_workshop()
    enrol(workshop, learner)
    data = unfold(client.get(feed_of(learner)).data)
    assert "METHOD" not in data
    assert "\r\nNAME:Aula: mis talleres\r\n" in data
    assert "\r\nX-WR-CALNAME:Aula: mis talleres\r\n" in data
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n" in data
    assert "\r\nX-PUBLISHED-TTL:PT4H\r\n" in data
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid" in data
    assert f"\r\nURL:http://aula.test/workshops/{workshop.id}\r\n" in data
    calendar = icaljs(data)["calendar"]
    assert calendar["name"] == "Aula: mis talleres"
    assert calendar["refresh-interval"] == "PT4H"
    assert "uid" not in calendar and "method" not in calendar


def test_times_are_right_across_daylight_saving_changes(client, make_user, make_workshop, feed_of):
    # Noon in Madrid is 11:00 UTC before the March change and 10:00 after, and back in
    # October; a workshop across the change itself lasts one real hour; Bogotá and Buenos
    # Aires keep their offsets. Two independent parsers agree.
    learner = make_user()
    local = [
        (datetime(2027, 3, 26, 12), "Europe/Madrid", "2027-03-26T11:00:00Z"),
        (datetime(2027, 3, 30, 12), "Europe/Madrid", "2027-03-30T10:00:00Z"),
        (datetime(2027, 3, 28, 1, 30), "Europe/Madrid", "2027-03-28T00:30:00Z"),
        (datetime(2027, 10, 29, 12), "Europe/Madrid", "2027-10-29T10:00:00Z"),
        (datetime(2027, 11, 2, 12), "Europe/Madrid", "2027-11-02T11:00:00Z"),
        (datetime(2027, 3, 30, 12), "America/Bogota", "2027-03-30T17:00:00Z"),
        (datetime(2027, 10, 29, 12), "America/Argentina/Buenos_Aires", "2027-10-29T15:00:00Z"),
    ]
    expected = {}
    for wall, zone, utc in local:
        workshop = make_workshop(starts_at=wall.replace(tzinfo=ZoneInfo(zone)), timezone=zone)
        enrol(workshop, learner)
        expected[f"workshop-{workshop.id}-{learner.id}@aula.test"] = utc
    data = client.get(feed_of(learner)).data
    text = data.decode()
    for zone in ("Europe/Madrid", "America/Bogota", "America/Argentina/Buenos_Aires"):
        assert f"TZID:{zone}\r\n" in text
    for events in (icaljs(data)["events"], vobject_events(data)):
        assert {e["uid"]: e["start"] for e in events} == expected
        ends = {e["uid"]: (e["start"], e["end"]) for e in events}
        for start, end in ends.values():
            span = datetime.fromisoformat(end) - datetime.fromisoformat(start)
            assert span == timedelta(hours=1)


def test_a_cancelled_workshop_stays_in_feeds_as_cancelled(
    client, make_user, make_workshop, feed_of
):
    # Cancelling raises SEQUENCE and marks the event CANCELLED in the personal and public feeds.
    learner = make_user()
    workshop = make_workshop()
    enrolment = enrol(workshop, learner)
    workshops.cancel_workshop(workshop.id)
    db.session.commit()
    personal = icaljs(client.get(feed_of(learner)).data)["events"]
    assert [(e["status"], e["sequence"]) for e in personal] == [
        ("CANCELLED", 1 + enrolment.revision)
    ]
    public = icaljs(client.get("/calendar/catalog.ics").data)["events"]
    assert [(e["uid"], e["status"], e["sequence"]) for e in public] == [
        (f"workshop-{workshop.id}@aula.test", "CANCELLED", 1)
    ]


def test_an_unchanged_feed_is_byte_for_byte_the_same(client, make_user, make_workshop, feed_of):
    # DTSTAMP comes from the records' last change, not from the download: same bytes, same
    # validators, however much later it is asked for; and others' enrolments change nothing
    # in the public catalogue.
    learner = make_user()
    workshop = make_workshop()
    enrolment = enrol(workshop, learner)
    url = feed_of(learner)
    first, second = client.get(url), client.get(url)
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    enrolment = fresh(enrolment)
    stamp = max(enrolment.updated_at, enrolment.workshop.calendar_changed_at)
    assert f"\r\nDTSTAMP:{stamp:%Y%m%dT%H%M%SZ}\r\n" in first.data.decode()
    catalogue = client.get("/calendar/catalog.ics")
    enrol(workshop, make_user())
    again = client.get("/calendar/catalog.ics")
    assert catalogue.data == again.data
    assert catalogue.headers["ETag"] == again.headers["ETag"]


def test_conditional_requests_get_304_without_building(client, make_user, make_workshop, feed_of):
    # A matching If-None-Match or If-Modified-Since gets 304 after one aggregate statement; a
    # change (rescheduling, a new place, a move up the waiting list) gets the new feed.
    learner, ahead = make_user(), make_user()
    workshop = make_workshop()
    full = make_workshop(capacity=1)
    enrol(full, make_user())
    enrol(full, ahead)
    enrol(full, learner)
    url = feed_of(learner)
    backdate()
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    with count_queries() as statements:
        response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    since = client.get(url, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    workshops.withdraw(full.id, ahead.id)  # learner moves up to number 1
    db.session.commit()
    moved = client.get(url, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    summaries = [e["summary"] for e in icaljs(moved.data)["events"]]
    assert summaries == [f"Waiting list, no. 1: {full.title}"]

    enrol(workshop, learner)
    etag = client.get(url).headers["ETag"]
    start = fresh(workshop).starts_at + timedelta(days=1)
    workshops.update_workshop(workshop.id, starts_at=start, ends_at=start + timedelta(hours=1))
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_public_feeds_answer_conditional_requests(client, make_workshop):
    # The catalogue and a workshop's file carry ETag and Last-Modified and answer 304.
    workshop = make_workshop()
    backdate()
    for url in ("/calendar/catalog.ics", f"/workshops/{workshop.id}.ics"):
        first = client.get(url)
        assert first.status_code == 200
        assert first.headers["Cache-Control"] == "public, no-cache"
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        since = {"If-Modified-Since": first.headers["Last-Modified"]}
        assert client.get(url, headers=since).status_code == 304
    workshops.update_workshop(workshop.id, title="Un título nuevo")
    db.session.commit()
    assert client.get("/calendar/catalog.ics", headers=since).status_code == 200


def test_a_change_in_the_current_second_is_never_hidden():
    # Last-Modified has whole seconds: a change made in the current second is announced one
    # second earlier, so a second change within that second still gets past If-Modified-Since.
    now = datetime(2027, 3, 28, 10, 0, 5, 700_000, tzinfo=UTC)
    assert shown_last_modified(now.replace(microsecond=200_000), now) == now.replace(
        second=4, microsecond=0
    )
    assert shown_last_modified(now - timedelta(seconds=2), now) == now.replace(
        second=3, microsecond=0
    )


def test_replacing_the_token_retires_the_old_address(
    client, make_user, api_token, login, make_workshop
):
    # The API gives a short feed address and its webcal:// twin; asking again, or pressing
    # "Replace address", makes the old one answer 404.
    learner = make_user()
    headers = api_token(learner)
    first = client.post("/api/v1/me/calendar-token", headers=headers).get_json()
    assert len(first["feed_url"]) < 100
    assert first["webcal_url"] == "webcal://" + first["feed_url"].removeprefix("http://")
    assert re.fullmatch(r"http://aula\.test/calendar/[A-Za-z0-9_-]{22}\.ics", first["feed_url"])
    old = first["feed_url"].removeprefix("http://aula.test")
    assert client.get(old).status_code == 200

    second = client.post("/api/v1/me/calendar-token", headers=headers).get_json()
    assert second["feed_url"] != first["feed_url"]
    assert client.get(old).status_code == 404
    assert client.get(second["feed_url"].removeprefix("http://aula.test")).status_code == 200

    login(learner)
    page = client.post("/calendar/subscribe")
    assert page.status_code == 303
    shown = client.get(page.headers["Location"]).get_data(as_text=True)
    third = re.search(r'data-feed-url="http://aula\.test(/calendar/[^"]+)"', shown).group(1)
    assert client.get(second["feed_url"].removeprefix("http://aula.test")).status_code == 404
    assert client.get(third).status_code == 200
    assert "data-feed-url" not in client.get("/calendar/subscribe").get_data(as_text=True)


def test_the_feed_api_needs_a_token(client):
    # Without a bearer token the API answers 401 in JSON.
    response = client.post("/api/v1/me/calendar-token")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_no_feed_holds_a_room_address_or_anyones_name(client, make_user, make_workshop, feed_of):
    # The only addresses in any feed are workshop pages; no /join door, no attendee names.
    learner = make_user(name="Ana Barreiro")
    trainer = make_user("trainer", name="Uxía Formadora")
    workshop = make_workshop(trainer=trainer)
    enrol(workshop, learner)
    bodies = [
        client.get(feed_of(learner)).data,
        client.get(feed_of(trainer)).data,
        client.get("/calendar/catalog.ics").data,
        client.get(f"/workshops/{workshop.id}.ics").data,
    ]
    for body in bodies:
        text = unfold(body)
        urls = set(re.findall(r"(?:https?|webcal)://[^\s\\,;]+", text))
        assert urls == {f"http://aula.test/workshops/{workshop.id}"}, urls
        assert "/join" not in text and "ATTENDEE" not in text and "ORGANIZER" not in text
    for body in bodies[2:]:
        assert "Ana Barreiro" not in body.decode() and "Formadora" not in body.decode()


def test_catalogue_is_public_filterable_and_free_of_restricted_workshops(
    client, make_user, make_workshop, login
):
    # The catalogue lists public workshops (filtered by topic, named in the asked language);
    # a cohort's workshop is in no public calendar and its file is 404 to outsiders.
    web = make_workshop(topic="Web", title="Footer")
    legal = make_workshop(topic="Legal", title="Aviso legal")
    trainer = make_user("trainer")
    cohort = make_workshop(topic="Web", audience=Audience.cohort, trainer=trainer)
    everything = icaljs(client.get("/calendar/catalog.ics").data)
    assert {e["uid"] for e in everything["events"]} == {
        f"workshop-{web.id}@aula.test",
        f"workshop-{legal.id}@aula.test",
    }
    assert everything["calendar"]["x-wr-calname"] == "Aula: workshops"
    only_web = client.get("/calendar/catalog.ics?topic=Web&lang=ca")
    parsed = icaljs(only_web.data)
    assert [e["summary"] for e in parsed["events"]] == ["Footer"]
    assert parsed["calendar"]["name"] == "Aula: tallers de Web"
    assert client.get(f"/workshops/{cohort.id}.ics").status_code == 404
    assert client.get("/workshops/99999.ics").status_code == 404
    login(trainer)
    own = client.get(f"/workshops/{cohort.id}.ics")
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-cache"
    assert [e["uid"] for e in icaljs(own.data)["events"]] == [f"workshop-{cohort.id}@aula.test"]


def test_a_workshop_file_is_one_public_event(client, make_workshop):
    # /workshops/<id>.ics is the public event, as a download, readable by both parsers.
    workshop = make_workshop(starts_at=datetime(2027, 7, 6, 12, tzinfo=MADRID))
    response = client.get(f"/workshops/{workshop.id}.ics")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "METHOD" not in response.data.decode()
    for events in (icaljs(response.data)["events"], vobject_events(response.data)):
        assert [(e["uid"], e["start"]) for e in events] == [
            (f"workshop-{workshop.id}@aula.test", "2027-07-06T10:00:00Z")
        ]


def test_coordinators_may_ask_for_everything(client, make_user, make_workshop, feed_of):
    # ?all=1 gives a coordinator every workshop, cohorts' included; others get their own feed.
    coordinator, learner = make_user("coordinator"), make_user()
    public = make_workshop()
    cohort = make_workshop(audience=Audience.cohort)
    taught = make_workshop(trainer=coordinator)
    events = icaljs(client.get(feed_of(coordinator) + "?all=1").data)
    assert {e["uid"] for e in events["events"]} == {
        f"workshop-{public.id}@aula.test",
        f"workshop-{cohort.id}@aula.test",
        f"workshop-{taught.id}-{coordinator.id}@aula.test",
    }
    assert events["calendar"]["name"] == "Aula: all workshops"
    assert icaljs(client.get(feed_of(learner) + "?all=1").data)["events"] == []


def test_old_workshops_leave_the_feed(app, client, make_user, make_workshop, feed_of):
    # A workshop that started more than FEEDS_PAST_DAYS ago leaves the feed.
    learner = make_user()
    old, recent = make_workshop(), make_workshop()
    enrol(old, learner)
    enrol(recent, learner)
    start = (utcnow() - timedelta(days=app.config["FEEDS_PAST_DAYS"], hours=1)).replace(
        microsecond=0
    )
    workshops.update_workshop(old.id, starts_at=start, ends_at=start + timedelta(hours=1))
    db.session.commit()
    response = client.get(feed_of(learner))
    assert [e["uid"] for e in icaljs(response.data)["events"]] == [
        f"workshop-{recent.id}-{learner.id}@aula.test"
    ]


def test_feeds_take_the_same_number_of_queries_whatever_their_size(
    client, make_user, make_workshop, feed_of
):
    # Building a personal feed (places, waiting places, teaching) or the catalogue runs a
    # fixed number of SQL statements: 3 events or 30 make no difference.
    learner, other = make_user(), make_user()
    trainer = make_user("trainer")
    url, teaching_url = feed_of(learner), feed_of(trainer)

    def add(n: int) -> None:
        for i in range(n):
            workshop = make_workshop(trainer=trainer, capacity=1)
            if i % 2:
                enrol(workshop, other)
            enrol(workshop, learner)

    def counts(expected: int) -> tuple[int, int, int]:
        sizes = []
        for address in (url, "/calendar/catalog.ics", teaching_url):
            with count_queries() as statements:
                response = client.get(address)
            assert len(icaljs(response.data)["events"]) == expected
            sizes.append(len(statements))
        return tuple(sizes)

    add(3)
    few = counts(3)
    add(27)
    assert counts(30) == few


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "Google may take up to a day"),
        ("es", "Google puede tardar hasta un día"),
        ("ca", "Google pot trigar fins a un dia"),
    ],
)
def test_the_subscribe_page_speaks_each_language(client, make_user, login, locale, words):
    # The profile leads to the subscribe page, which explains Google, Outlook and Apple and
    # that changes also come by e-mail, in the person's language.
    login(make_user(locale=locale))
    assert 'href="/calendar/subscribe"' in client.get("/profile").get_data(as_text=True)
    page = client.get("/calendar/subscribe").get_data(as_text=True)
    assert words in page and "Outlook" in page and "Apple" in page
    assert f"webcal://aula.test/calendar/catalog.ics?lang={locale}" in page


def test_the_subscribe_page_is_for_signed_in_people(app, client, make_user, login):
    # Strangers are sent to sign in; only a coordinator is offered the every-workshop feed.
    ana = make_user()
    assert client.get("/calendar/subscribe").status_code == 302
    assert client.post("/calendar/subscribe").status_code == 302
    login(make_user("coordinator"))
    shown = client.get(client.post("/calendar/subscribe").headers["Location"])
    assert ".ics?all=1" in shown.get_data(as_text=True)
    learner = app.test_client()
    login(ana, client=learner)
    made = learner.post("/calendar/subscribe")
    assert made.status_code in (302, 303)
    page = learner.get(made.headers["Location"]).get_data(as_text=True)
    assert ".ics" in page and "?all=1" not in page


def test_the_workshop_page_offers_its_calendar_file(client, make_workshop):
    # The workshop page links to its .ics file, which anyone may download.
    workshop = make_workshop()
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert f'href="/workshops/{workshop.id}.ics"' in page
