"""Digests: what one operation tells one person about many workshops at once, as one message.

:func:`lms.notifications.operations.batched` groups a person's facts by digest group (the
invitation's METHOD, or the kind when there is none) and writes each group as one record; this
renders it. A cohort's place notice (admitted, left, a new mentor...) shares the group of the
meetings it brings or takes away, so it leads the message with its own words; the meetings
follow, grouped by what happened to them, each group by start; and one invitation holds every
meeting as its own VEVENT, with its own UID and SEQUENCE (:func:`scheduler.ical.invitation`),
so a calendar takes them all from one mail, and a later change of one of them (a SEQUENCE
above the digest's) updates that one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.i18n import when
from lms.notifications.render import Record, Rendered

from .. import ical
from . import cohorts
from .messages import SUBJECTS, WorkshopMessages, _context, _event, _extra, _reader, _workshop

#: The subject when a digest's workshops changed in several ways (taken off some, others
#: cancelled), by METHOD; when they changed in one way, that kind's subject.
MIXED_SUBJECTS = {
    "REQUEST": _l("Updated in your calendar: %(title)s"),
    "CANCEL": _l("Removed from your calendar: %(title)s"),
}


def _split(items: list[dict[str, Any]]) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(cohort leads, workshop items), each as (kind after the dot, facts), in order."""
    leads: list[tuple[str, dict]] = []
    meetings: list[tuple[str, dict]] = []
    for item in items:
        family, _, kind = item["kind"].partition(".")
        (leads if family == "cohort" else meetings).append((kind, item["facts"]))
    return leads, meetings


def _meetings_subject(meetings: list[tuple[str, dict]]) -> str:
    """The earliest workshop's title "and N more", in the subject of its kind (or of its
    METHOD when the kinds differ)."""
    kind, first = min(
        meetings, key=lambda m: (m[1]["workshop"]["starts_at"], m[1]["workshop"]["id"])
    )
    title = first["workshop"]["title"]
    if len(meetings) > 1:
        title = ngettext("%(title)s and %(num)d more", "%(title)s and %(num)d more",
                         len(meetings) - 1, title=title)  # fmt: skip
    kinds = {k for k, _facts in meetings}
    template = SUBJECTS[kind] if len(kinds) == 1 else MIXED_SUBJECTS[first["method"]]
    return str(template % {"title": title})


def _subject(items: list[dict[str, Any]]) -> str:
    leads, meetings = _split(items)
    if leads:
        return cohorts._subject(*leads[0])
    return _meetings_subject(meetings)


def _sender(items: list[dict[str, Any]]) -> str:
    """The programme a digest is signed with: the one all its items belong to, else none."""
    names = {
        (item["facts"].get("workshop") or item["facts"].get("cohort") or {}).get("programme", "")
        for item in items
    }
    return names.pop() if len(names) == 1 else ""


def _locale(items: list[dict[str, Any]]) -> str:
    return items[0]["facts"]["to"]["locale"]


class Digests:
    """The digest half of the ``workshop`` and ``cohort`` renderers."""

    def digest_subject(self, items: list[dict[str, Any]], message: Record) -> str:
        with force_locale(_locale(items)):
            return _subject(items)

    def render_digest(self, items: list[dict[str, Any]], message: Record) -> Rendered:
        leads, meetings = _split(items)
        locale = _locale(items)
        with force_locale(locale):
            written = [cohorts.lead(kind, facts, message) for kind, facts in leads]
            groups: dict[str, list[tuple[datetime, int, dict[str, Any]]]] = {}
            events = []
            method = meetings[0][1]["method"] if meetings else ""
            for kind, facts in meetings:
                user = _reader(facts, message)
                workshop, extra = _workshop(facts["workshop"]), _extra(facts)
                entry = _context(kind, user, workshop, extra)
                if "before" in extra:
                    entry["before_for_reader"] = when(extra["before"], user.timezone)
                order = (workshop.starts_at, workshop.id)
                groups.setdefault(kind, []).append((*order, entry))
                if method:
                    event = _event(workshop, user, method, facts["sequence"], message.created_at)
                    events.append((*order, event))
            ordered = [event for *_order, event in sorted(events, key=lambda e: e[:2])]
            calendar = ical.invitation(ordered, method=method) if ordered else ""
            context = {
                "user": _reader(meetings[0][1], message) if meetings else None,
                "locale": locale,
                "site_name": current_app.config["SITE_NAME"],
                "sender": _sender(items),
                "title": cohorts._subject(*leads[0]) if leads else _meetings_subject(meetings),
                "leads_text": [text for text, _html in written],
                "leads_html": [Markup(html) for _text, html in written],
                "count": len(meetings),
                "method": method,
                "has_invitation": bool(calendar),
                "groups": [
                    (kind, [entry for *_order, entry in sorted(entries, key=lambda e: e[:2])])
                    for kind, entries in groups.items()
                ],
            }
            return Rendered(
                subject=_subject(items),
                text=_render("digest.txt", context),
                html=_render("digest.html", context),
                calendar=calendar,
                calendar_method=method,
            )


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(f"scheduler/mail/{name}").render(**context)


class WorkshopNotices(Digests, WorkshopMessages):
    """``workshop.*``: one workshop's messages, and digests."""


class CohortNotices(Digests, cohorts.CohortMessages):
    """``cohort.*``: a place's messages, and the digests they lead."""
