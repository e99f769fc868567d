"""The messages about workshops. Under the change's lock only the facts are recorded
(:func:`notify`: who, in which language and zone, the workshop's title, times, trainer and
status as they are now, the invitation's METHOD and SEQUENCE, the person's waiting place...);
the worker renders subject, text, HTML and invitation from them when it delivers
(:class:`WorkshopMessages`), so what the mail says is what was true when the change happened,
and a retry sends the same bytes.

Invitations follow RFC 5546 (see shared/protocols.md): ``METHOD:REQUEST`` on enrolment,
promotion and change, ``METHOD:CANCEL`` with ``STATUS:CANCELLED`` on withdrawal and
cancellation; one UID per workshop and person; SEQUENCE from :mod:`scheduler.ical`, taken when
the change happens.

Inside :func:`lms.notifications.operations.batched` (an operation that touches many workshops
of one person at once: a cohort's admission, a removal, a new mentor), a person's facts are
grouped by the invitation's METHOD (or, without one, by kind) and rendered as one *digest*
(:meth:`WorkshopMessages.render_digest`): one message listing the workshops, with one
invitation holding each of them as its own VEVENT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.i18n import supported_locale, when
from lms.notifications.operations import enqueue_facts
from lms.notifications.render import Record, Rendered
from lms.programmes.queries import programme_name

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


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    timezone: str


@dataclass(frozen=True)
class Trainer:
    name: str


@dataclass(frozen=True)
class WorkshopFacts:
    """A workshop as a message states it: what the templates and the invitation read."""

    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    trainer: Trainer
    is_cancelled: bool
    #: The name of its programme: the sender the message is signed with.
    programme: str = ""

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _workshop_facts(workshop) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "title": workshop.title,
        "description": workshop.description,
        "starts_at": workshop.starts_at.isoformat(),
        "ends_at": workshop.ends_at.isoformat(),
        "timezone": workshop.timezone,
        "trainer": workshop.trainer.name,
        "cancelled": workshop.is_cancelled,
        "programme": programme_name(workshop.programme_id),
    }


def _workshop(facts: dict[str, Any]) -> WorkshopFacts:
    return WorkshopFacts(
        id=facts["id"],
        title=facts["title"],
        description=facts["description"],
        starts_at=datetime.fromisoformat(facts["starts_at"]),
        ends_at=datetime.fromisoformat(facts["ends_at"]),
        timezone=facts["timezone"],
        trainer=Trainer(facts["trainer"]),
        is_cancelled=facts["cancelled"],
        programme=facts.get("programme", ""),  # messages recorded before it was stated
    )


def notify(kind: str, user, workshop, *, calendar_method: str = "", enrolment=None, **extra: Any):
    """Record one message about ``workshop`` for ``user`` in the current transaction: its
    facts only (JSON), rendered when it is delivered."""
    if "before" in extra:
        extra["before"] = extra["before"].isoformat()
    facts = {
        "to": {"id": user.id, "locale": locale_of(user), "timezone": user.timezone},
        "workshop": _workshop_facts(workshop),
        "method": calendar_method,
        "sequence": ical.personal_sequence(workshop, enrolment) if calendar_method else None,
        "extra": extra,
    }
    return enqueue_facts(
        f"workshop.{kind}",
        to_address=user.email,
        to_name=user.name,
        recipient_id=user.id,
        facts=facts,
        digest_group=calendar_method or kind,  # REQUEST and CANCEL never share an invitation
    )


def _event(workshop, user, method: str, sequence: int, stamp: datetime):
    config = current_app.config
    return ical.personal_event(
        workshop,
        user_id=user.id,
        email=user.email,
        name=user.name,
        sequence=sequence,
        stamp=stamp,
        method=method,
        organizer=ical.address(config["MAIL_SENDER"], config["SITE_NAME"]),
    )


def invitation(workshop, user, method: str, sequence: int, stamp: datetime) -> str:
    """The person's own event: REQUEST (create or move it) or CANCEL (remove it)."""
    return ical.invitation([_event(workshop, user, method, sequence, stamp)], method=method)


def _context(kind: str, user, workshop, extra: dict[str, Any]) -> dict[str, Any]:
    starts, ends = workshop.starts_at, workshop.ends_at
    return {
        "kind": kind,
        "user": user,
        "workshop": workshop,
        "site_name": current_app.config["SITE_NAME"],
        "sender": workshop.programme,
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
    # Straight from the Jinja environment: mail is rendered by the worker, outside requests,
    # where the pages' context processors (the signed-in person...) have nothing to say.
    return current_app.jinja_env.get_template(f"scheduler/mail/{name}").render(**context)


def _reader(facts: dict[str, Any], message: Record) -> Person:
    to = facts["to"]
    return Person(to["id"], message.payload.get("to_name", ""), message.recipient_address,
                  to["timezone"])  # fmt: skip


def _extra(facts: dict[str, Any]) -> dict[str, Any]:
    extra = dict(facts["extra"])
    if "before" in extra:
        extra["before"] = datetime.fromisoformat(extra["before"])
    return extra


class WorkshopMessages:
    """The renderer of ``workshop.*`` messages (lms.notifications.render); digests: .digest."""

    def subject(self, kind: str, facts: dict[str, Any], message: Record) -> str:
        with force_locale(facts["to"]["locale"]):
            return str(SUBJECTS[kind] % {"title": facts["workshop"]["title"]})

    def render(self, kind: str, facts: dict[str, Any], message: Record) -> Rendered:
        to, method = facts["to"], facts["method"]
        user = _reader(facts, message)
        workshop = _workshop(facts["workshop"])
        extra = _extra(facts)
        locale = to["locale"]
        with force_locale(locale):
            context = _context(kind, user, workshop, extra)
            context["locale"] = locale
            if "before" in extra:
                context["before_for_reader"] = when(extra["before"], user.timezone)
            calendar = (
                invitation(workshop, user, method, facts["sequence"], message.created_at)
                if method
                else ""
            )
            context["has_invitation"] = bool(calendar)
            return Rendered(
                subject=str(SUBJECTS[kind] % {"title": workshop.title}),
                text=_render("message.txt", context),
                html=_render("message.html", context),
                calendar=calendar,
                calendar_method=method,
            )
