"""The shared iCalendar writer: stable UIDs, rising SEQUENCE, zones included, no room links."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Event

from scheduler import ical
from tests.feeds_fixtures import read_icaljs, read_vobject


def test_a_workshop_event_carries_its_zone_and_parses_elsewhere(make_workshop):
    # A summer workshop in Madrid is 12:00 local (10:00 UTC) with its VTIMEZONE, read by vobject.
    start = datetime(2027, 7, 6, 12, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    workshop = make_workshop(starts_at=start, timezone="Europe/Madrid")
    event = ical.workshop_event(
        workshop,
        uid=ical.public_uid(workshop),
        sequence=workshop.sequence,
        stamp=workshop.updated_at,
    )
    data = ical.calendar([event]).to_ical().decode()
    assert f"UID:workshop-{workshop.id}@aula.test" in data
    assert "BEGIN:VTIMEZONE" in data and "TZID:Europe/Madrid" in data
    assert "\r\nUID:" in data and data.count("UID:") == 1  # no calendar-level UID
    parsed = vobject.readOne(data, validate=True)
    assert parsed.vevent.dtstart.value.astimezone(ZoneInfo("UTC")).hour == 10
    assert parsed.vevent.url.value == f"http://aula.test/workshops/{workshop.id}"


def test_a_lone_event_is_read_at_its_hour_on_every_day_of_two_years():
    # An invitation carries one event and a VTIMEZONE cut to a year either side of it. On every
    # day of two years, in zones with and without summer time, ical.js (Thunderbird's parser)
    # and vobject read the instant zoneinfo means; icalendar's RDATEs alone made ical.js read
    # a Madrid Thursday before October's change an hour late.
    starts = [
        datetime(2027, 1, 1, 18, tzinfo=ZoneInfo(zone)) + timedelta(days=day)
        for zone in ("Europe/Madrid", "America/Santiago", "America/Mexico_City")
        for day in range(0, 730, 3)
    ]
    texts = []
    for start in starts:
        event = Event()
        event.add("uid", f"{start.isoformat()}@aula.test")
        event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=1))
        texts.append(ical.calendar([event], method="REQUEST").to_ical().decode())
    expected = [start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for start in starts]
    assert [r["events"][0]["start"] for r in read_icaljs(texts)] == expected
    read = [read_vobject(t).vevent.dtstart.value.astimezone(UTC) for t in texts]
    assert [r.strftime("%Y-%m-%dT%H:%M:%SZ") for r in read] == expected


def test_an_invitation_holds_several_events_under_one_method(make_workshop):
    # A digest's invitation: one VCALENDAR, one METHOD, each workshop its own VEVENT with its
    # own UID and SEQUENCE, and the VTIMEZONEs of all of them (winter and summer events read
    # at their hour by vobject and ical.js); only REQUEST or CANCEL.
    winter = make_workshop(starts_at=datetime(2031, 1, 14, 9, tzinfo=UTC), timezone="Europe/Madrid")
    summer = make_workshop(
        starts_at=datetime(2031, 7, 15, 8, tzinfo=UTC), timezone="America/Bogota"
    )
    stamp = datetime(2031, 1, 1, tzinfo=UTC)
    organizer = ical.address("aula@aula.test", "Aula")
    events = [
        ical.personal_event(w, user_id=7, email="ana@aula.test", name="Ana", sequence=n + 2,
                            stamp=stamp, method="REQUEST", organizer=organizer)
        for n, w in enumerate((winter, summer))
    ]  # fmt: skip
    text = ical.invitation(events, method="REQUEST")
    assert text.count("METHOD:") == 1 and text.count("BEGIN:VEVENT") == 2
    assert {"TZID:Europe/Madrid", "TZID:America/Bogota"} <= set(text.split("\r\n"))
    [js] = read_icaljs([text])
    vo = read_vobject(text)
    expected = [
        (ical.personal_uid(w, 7), n + 2, w.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for n, w in enumerate((winter, summer))
    ]
    assert [(e["uid"], e["sequence"], e["start"]) for e in js["events"]] == expected
    assert [
        (
            e.uid.value,
            int(e.sequence.value),
            e.dtstart.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for e in vo.contents["vevent"]
    ] == expected
    with pytest.raises(ValueError):
        ical.invitation(events, method="PUBLISH")
