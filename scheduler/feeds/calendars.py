"""The feeds' calendars, built from what queries.py read: the events and the names.

Personal entries use the person's own UID and SEQUENCE (scheduler/ical.py), so the entry in
the feed and the invitation by e-mail are one event; everything else uses the public UID.
Each DTSTAMP is the entry's last change, never the time of the download, so an unchanged feed
gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Event

from courses.workshops.models import Workshop
from courses.workshops.queries import Place

from .. import ical
from .queries import Owner, PersonalFeed


def place_stamp(place: Place) -> datetime:
    """When this person's entry last changed; a waiting place moves with its queue."""
    workshop, enrolment = place.workshop, place.enrolment
    moments = [enrolment.updated_at, workshop.calendar_changed_at]
    if place.position is not None:
        moments.append(workshop.updated_at)
    return max(moments)


def _place_event(place: Place) -> Event:
    workshop = place.workshop
    waiting = place.position is not None
    summary = description = None
    if waiting:
        summary = _("Waiting list, no. %(n)d: %(title)s", n=place.position, title=workshop.title)
        note = _(
            "You are number %(n)d on the waiting list. If a seat is freed, it is yours at once "
            "and we will tell you by e-mail.",
            n=place.position,
        )
        description = f"{note}\n\n{workshop.description}".strip()
    return ical.workshop_event(
        workshop,
        uid=ical.personal_uid(workshop, place.enrolment.user_id),
        sequence=ical.personal_sequence(workshop, place.enrolment),
        stamp=place_stamp(place),
        tentative=waiting,
        summary=summary,
        description=description,
    )


def _own_event(workshop: Workshop, user_id: int) -> Event:
    """A workshop the person teaches: their own UID, the workshop's SEQUENCE."""
    return ical.workshop_event(
        workshop,
        uid=ical.personal_uid(workshop, user_id),
        sequence=workshop.sequence,
        stamp=workshop.calendar_changed_at,
    )


def public_event(workshop: Workshop) -> Event:
    return ical.workshop_event(
        workshop,
        uid=ical.public_uid(workshop),
        sequence=workshop.sequence,
        stamp=workshop.calendar_changed_at,
    )


def _by_start(pairs: list[tuple[datetime, int, Event]]) -> list[Event]:
    return [event for _start, _id, event in sorted(pairs, key=lambda p: (p[0], p[1]))]


def personal(owner: Owner, feed: PersonalFeed, everything: bool, locale: str) -> bytes:
    with force_locale(locale):
        site = current_app.config["SITE_NAME"]
        events = [(p.workshop.starts_at, p.workshop.id, _place_event(p)) for p in feed.places]
        events += [(w.starts_at, w.id, _own_event(w, owner.user_id)) for w in feed.teaching]
        events += [(w.starts_at, w.id, public_event(w)) for w in feed.others]
        name = (
            _("%(site)s: all workshops", site=site)
            if everything
            else _("%(site)s: my workshops", site=site)
        )
        return ical.feed(_by_start(events), name=name).to_ical()


def public(workshops: list[Workshop], topic: str | None, locale: str) -> bytes:
    with force_locale(locale):
        site = current_app.config["SITE_NAME"]
        name = (
            _("%(site)s: workshops on %(topic)s", site=site, topic=topic)
            if topic
            else _("%(site)s: workshops", site=site)
        )
        return ical.feed([public_event(w) for w in workshops], name=name).to_ical()


def one_workshop(workshop: Workshop) -> bytes:
    return ical.calendar([public_event(workshop)]).to_ical()
