"""The shared iCalendar writer: stable UIDs, rising SEQUENCE, zones included, no room links."""

from datetime import datetime
from zoneinfo import ZoneInfo

import vobject

from scheduler import ical


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
