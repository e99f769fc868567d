"""The advisor's messages about a consultation: booked (REQUEST), moved (REQUEST with a
higher SEQUENCE) or cancelled (CANCEL), in their language and zone, with the invitation
their calendar needs. The requester's come from their place in the consultation's workshop,
as any enrolment's; the advisor trains that workshop, so these are theirs. The UID and
SEQUENCE are those of the advisor's feed (``personal_uid`` of the workshop and person, the
workshop's SEQUENCE), so the feed and the invitation are one event. Under the booking's lock
only the facts are recorded (:func:`advisor_notice`); the worker renders them
(:class:`AdviceMessages`)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from courses.advice.models import Consultation
from courses.workshops.models import Workshop
from lms.accounts.models import User
from lms.db import db
from lms.i18n import when
from lms.links import absolute
from lms.notifications.operations import enqueue_facts
from lms.notifications.render import Record, Rendered

from .. import ical
from .messages import _event, _reader, _workshop, _workshop_facts, locale_of

SUBJECTS = {
    "booked": _l("Consultation booked: %(title)s"),
    "rescheduled": _l("Consultation moved: %(title)s"),
    "cancelled": _l("Consultation cancelled: %(title)s"),
}


def _intro(change: str, requester: str, moment: str) -> str:
    if change == "booked":
        return _("%(name)s has booked a consultation with you on %(when)s.", name=requester,
                 when=moment)  # fmt: skip
    if change == "rescheduled":
        return _("The consultation with %(name)s has moved to %(when)s.", name=requester,
                 when=moment)  # fmt: skip
    return _("The consultation with %(name)s on %(when)s has been cancelled.",
             name=requester, when=moment)  # fmt: skip


def advisor_notice(consultation: Consultation, change: str) -> None:
    """Record the advisor's message: its facts only (who, in which language and zone, the
    consultation's workshop as it is now, the requester's name, the invitation's SEQUENCE)."""
    workshop = db.session.get(Workshop, consultation.workshop_id)
    advisor = db.session.get(User, consultation.advisor_id)
    if workshop is None or advisor is None:  # gone in this very transaction: nobody to tell
        return
    facts = {
        "to": {"id": advisor.id, "locale": locale_of(advisor), "timezone": advisor.timezone},
        "workshop": _workshop_facts(workshop),
        "method": "CANCEL" if change == "cancelled" else "REQUEST",
        "sequence": workshop.sequence,
        "requester": consultation.case.requester.name,
        "case_id": consultation.case_id,
    }
    enqueue_facts(
        f"advice.{change}",
        to_address=advisor.email,
        to_name=advisor.name,
        recipient_id=advisor.id,
        facts=facts,
    )


class AdviceMessages:
    """The renderer of ``advice.*`` messages (lms.notifications.render)."""

    def subject(self, kind: str, facts: dict[str, Any], message: Record) -> str:
        with force_locale(facts["to"]["locale"]):
            return str(SUBJECTS[kind] % {"title": facts["workshop"]["title"]})

    def render(self, kind: str, facts: dict[str, Any], message: Record) -> Rendered:
        advisor, method = _reader(facts, message), facts["method"]
        workshop = _workshop(facts["workshop"])
        with force_locale(facts["to"]["locale"]):
            event = _event(workshop, advisor, method, facts["sequence"], message.created_at)
            calendar = ical.invitation([event], method=method)
            moment = f"{when(workshop.starts_at, advisor.timezone)} ({advisor.timezone})"
            intro = _intro(kind, facts["requester"], moment)
            page = absolute(f"/advice/requests/{facts['case_id']}")
            closing = _("The request, its notes and its history: %(url)s", url=page)
            return Rendered(
                subject=str(SUBJECTS[kind] % {"title": workshop.title}),
                text=f"{intro}\n\n{closing}\n",
                html=current_app.jinja_env.get_template("scheduler/mail/advice.html").render(
                    intro=intro,
                    closing=closing,
                    locale=facts["to"]["locale"],
                    site_name=current_app.config["SITE_NAME"],
                    sender=workshop.programme,
                ),
                calendar=calendar,
                calendar_method=method,
            )
