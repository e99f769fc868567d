"""iCalendar for Aula: one way to write a workshop as an event, used by invitations and feeds.

The rules every calendar file and invitation follows (see shared/protocols.md):

- UID. A person's own event for a workshop (their invitation, and the entry in their personal
  feed) is ``workshop-<id>-<user_id>@<host>``: the same event wherever it reaches them, for its
  whole life. The public event (catalogue feed, ``/workshops/<id>.ics``) is
  ``workshop-<id>@<host>``.
- SEQUENCE only rises: ``workshop.sequence`` for the public event, and
  ``workshop.sequence + enrolment.revision`` for a person's (both counters only grow).
- An invitation (iTIP over e-mail) is one VCALENDAR with one METHOD (``REQUEST`` or
  ``CANCEL``) and one VEVENT per workshop, each with its own UID and SEQUENCE
  (:func:`invitation`): a digest of many workshops is one file, and a later change of one of
  them carries a SEQUENCE above the digest's for its UID, since both come from the counters
  above. REQUEST and CANCEL never share a file.
- Times are written in the workshop's own IANA zone with its VTIMEZONE included, covering a
  year either side of the events (both offsets of a zone with summer time).
- No video-room address ever goes into an event: its URL is the workshop's page.
- Any row the database holds can be written: a time outside the years Aula accepts (kept from
  before they were checked) is written in UTC, which needs no VTIMEZONE, and text that goes
  on one line (a calendar's name, a summary, a person's name) passes through :func:`line`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, vCalAddress, vDuration
from icalendar.enums import STATUS

from lms.errors import EARLIEST, LATEST, one_line
from lms.links import site_host

from .links import workshop_page

PRODID = "-//Aula//Aula LMS//EN"
#: How often subscribed calendars are asked to look again (RFC 7986; protocols.md).
FEED_REFRESH = timedelta(hours=4)
#: A year either side of the events, so each VTIMEZONE carries both of its offsets.
ZONE_MARGIN = timedelta(days=366)


def public_uid(workshop) -> str:
    return f"workshop-{workshop.id}@{site_host()}"


def personal_uid(workshop, user_id: int) -> str:
    return f"workshop-{workshop.id}-{user_id}@{site_host()}"


def personal_sequence(workshop, enrolment) -> int:
    return workshop.sequence + enrolment.revision


def line(text: str) -> str:
    """Text made safe for one content line: line breaks, tabs and control characters become
    spaces. The library escapes a TEXT value's line breaks, but writes some properties (the
    calendar's NAME and X-WR-CALNAME) as they come, guarded only by an ``assert``: with
    ``python -O`` a line break in a feed's name would start an event of its own."""
    return one_line(text)


def _writable(moment: date) -> bool:
    if not isinstance(moment, datetime):  # a whole day
        return EARLIEST.year <= moment.year < LATEST.year
    return EARLIEST <= moment < LATEST


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """In the workshop's zone when a VTIMEZONE can describe it, else in UTC."""
    return moment.astimezone(zone) if _writable(moment) else moment.astimezone(UTC)


def address(email: str, name: str, **params: Any) -> vCalAddress:
    return vCalAddress.new(email, cn=line(name), **params)


def workshop_event(
    workshop,
    *,
    uid: str,
    sequence: int,
    stamp: datetime,
    cancelled: bool = False,
    tentative: bool = False,
    summary: str | None = None,
    description: str | None = None,
    organizer: vCalAddress | None = None,
    attendees: list[vCalAddress] | None = None,
) -> Event:
    """The workshop as one VEVENT; ``cancelled`` wins over ``tentative``."""
    zone = workshop.zone
    url = workshop_page(workshop)
    text = description if description is not None else workshop.description
    status = (
        STATUS.CANCELLED
        if cancelled or workshop.is_cancelled
        else (STATUS.TENTATIVE if tentative else STATUS.CONFIRMED)
    )
    event = Event.new(
        uid=uid,
        sequence=sequence,
        stamp=stamp,
        start=_in_zone(workshop.starts_at, zone),
        end=_in_zone(workshop.ends_at, zone),
        summary=line(summary or workshop.title),
        description=f"{text}\n\n{url}".strip(),
        url=url,
        status=status,
        organizer=organizer,
        attendees=attendees,
    )
    return event


def calendar(
    events: list[Event], *, method: str | None = None, name: str | None = None
) -> Calendar:
    """A VCALENDAR of ``events`` with the VTIMEZONEs they use, over the range they span."""
    cal = Calendar.new(prodid=PRODID, method=method, name=line(name) if name else None)
    cal.pop("UID", None)  # Calendar.new adds one; neither invitations nor feeds want it
    for event in events:
        cal.add_component(event)
    starts = [e.start for e in events if e.start and _writable(e.start)]
    if starts:
        # A year either side, so each VTIMEZONE carries both its standard and its summer
        # offset: some readers (vobject, seen here) keep the first definition of a TZID they
        # meet and use it for every later file, so a winter-only one misplaces summer events.
        cal.add_missing_timezones(
            first_date=min(starts) - ZONE_MARGIN, last_date=max(starts) + ZONE_MARGIN
        )
        for zone in cal.walk("VTIMEZONE"):
            _one_change_per_observance(zone)
    return cal


def _one_change_per_observance(zone: Component) -> None:
    """Write each change of offset as its own STANDARD or DAYLIGHT, without RDATE.

    icalendar lists a zone's later changes as RDATEs of its first one; ical.js (Thunderbird)
    then ignores that first change's DTSTART, so an event between it and the next RDATE (a
    Thursday before October's change, seen here) is read an hour off. One DTSTART per
    component is the same zone, valid RFC 5545, and read alike by every parser we test.
    """
    for observance in list(zone.subcomponents):
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            for when in rdate.dts:
                change = type(observance)()
                change.update(observance)
                change.pop("DTSTART")
                change.add("DTSTART", when.dt)
                zone.add_component(change)


def personal_event(
    workshop, *, user_id: int, email: str, name: str, sequence: int, stamp: datetime, method: str,
    organizer: vCalAddress,
) -> Event:  # fmt: skip
    """A person's own event of ``workshop`` as an invitation carries it: they attend, already
    accepted; CANCEL marks it cancelled."""
    return workshop_event(
        workshop,
        uid=personal_uid(workshop, user_id),
        sequence=sequence,
        stamp=stamp.replace(microsecond=0),
        cancelled=method == "CANCEL",
        organizer=organizer,
        attendees=[address(email, name, partstat="ACCEPTED", rsvp=False)],
    )


def invitation(events: list[Event], *, method: str) -> str:
    """An iTIP message of one or several events (``method`` REQUEST or CANCEL, never both):
    one VCALENDAR with one METHOD, each VEVENT keeping its own UID and SEQUENCE, with the
    VTIMEZONEs that cover them all."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"not an invitation's method: {method!r}")
    return calendar(events, method=method).to_ical().decode()


def feed(events: list[Event], *, name: str) -> Calendar:
    """A subscription feed: no METHOD, a name, and how often to refresh.

    ``REFRESH-INTERVAL`` is added by hand because icalendar's ``refresh_interval=`` drops its
    ``VALUE=DURATION`` parameter, and ``X-PUBLISHED-TTL`` is wrapped in ``vDuration`` because a
    bare timedelta is written ``4:00:00`` (both seen with icalendar 7).
    """
    cal = calendar(events, name=name)
    cal.add("REFRESH-INTERVAL", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(FEED_REFRESH))
    return cal
