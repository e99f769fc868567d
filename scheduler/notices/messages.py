"""The messages about workshops, rendered when the change happens, in the reader's language and
time zone (and the workshop's), ready for the outbox: what the mail says is what was true when
it was written, and a retry sends the same bytes.

Invitations follow RFC 5546 (see shared/protocols.md): ``METHOD:REQUEST`` on enrolment,
promotion and change, ``METHOD:CANCEL`` with ``STATUS:CANCELLED`` on withdrawal and
cancellation; one UID per workshop and person; SEQUENCE from :mod:`scheduler.ical`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.db import utcnow
from lms.i18n import supported_locale, when
from lms.notifications.operations import enqueue

from .. import ical
from ..links import join_url, workshop_page

SUBJECTS = {
    "enrolled": _l("You are enrolled: %(title)s"),
    "waitlisted": _l("On the waiting list: %(title)s"),
    "promoted": _l("A seat is yours: %(title)s"),
    "changed": _l("Changed: %(title)s"),
    "withdrawn": _l("You have left: %(title)s"),
    "removed": _l("Your place was removed: %(title)s"),
    "cancelled": _l("Cancelled: %(title)s"),
    "reminder": _l("Reminder: %(title)s"),
    "another_date": _l("Another date: %(title)s"),
}

#: Messages to people holding a seat, which carry the way into the video room.
JOIN_KINDS = frozenset({"enrolled", "promoted", "changed", "reminder"})


def locale_of(user) -> str:
    """The language mail to ``user`` is written in (no browser to ask)."""
    return supported_locale(user.locale)


def invitation(workshop, enrolment, method: str) -> str:
    """The person's own event: REQUEST (create or move it) or CANCEL (remove it)."""
    user = enrolment.user
    config = current_app.config
    event = ical.workshop_event(
        workshop,
        uid=ical.personal_uid(workshop, user.id),
        sequence=ical.personal_sequence(workshop, enrolment),
        stamp=utcnow().replace(microsecond=0),
        cancelled=method == "CANCEL",
        organizer=ical.address(config["MAIL_SENDER"], config["SITE_NAME"]),
        attendees=[ical.address(user.email, user.name, partstat="ACCEPTED", rsvp=False)],
    )
    return ical.calendar([event], method=method).to_ical().decode()


def _context(kind: str, user, workshop, extra: dict[str, Any]) -> dict[str, Any]:
    starts, ends = workshop.starts_at, workshop.ends_at
    return {
        "kind": kind,
        "user": user,
        "workshop": workshop,
        "site_name": current_app.config["SITE_NAME"],
        "starts_for_reader": when(starts, user.timezone),
        "ends_for_reader": when(ends, user.timezone, fmt="time"),
        "reader_zone": user.timezone,
        "starts_in_workshop_zone": when(starts, workshop.timezone),
        "ends_in_workshop_zone": when(ends, workshop.timezone, fmt="time"),
        "workshop_zone": workshop.timezone,
        "page_url": workshop_page(workshop),
        "join_url": join_url(workshop),
        "show_join": kind in JOIN_KINDS and not extra.get("was_waiting"),
        **extra,
    }


def _render(name: str, context: dict[str, Any]) -> str:
    # Straight from the Jinja environment: mail is made outside requests too, where the
    # pages' context processors (the signed-in person...) have nothing to say.
    return current_app.jinja_env.get_template(f"scheduler/mail/{name}").render(**context)


def notify(kind: str, user, workshop, *, calendar_method: str = "", enrolment=None, **extra: Any):
    """Enqueue one message about ``workshop`` for ``user`` in the current transaction."""
    locale = locale_of(user)
    with force_locale(locale):
        context = _context(kind, user, workshop, extra)
        context["locale"] = locale
        if "before" in extra:
            context["before_for_reader"] = when(extra["before"], user.timezone)
        calendar = invitation(workshop, enrolment, calendar_method) if calendar_method else ""
        context["has_invitation"] = bool(calendar)
        message = {
            "subject": str(SUBJECTS[kind] % {"title": workshop.title}),
            "text": _render("message.txt", context),
            "html": _render("message.html", context),
        }
    return enqueue(
        f"workshop.{kind}",
        to_address=user.email,
        to_name=user.name,
        recipient_id=user.id,
        calendar=calendar,
        calendar_method=calendar_method,
        **message,
    )
