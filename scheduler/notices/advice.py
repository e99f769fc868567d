"""The advisor's messages about a consultation: booked (REQUEST), moved (REQUEST with a
higher SEQUENCE) or cancelled (CANCEL), in their language and zone, with the invitation
their calendar needs. The requester's come from their place in the consultation's workshop,
as any enrolment's; the advisor trains that workshop, so these are theirs. The UID and
SEQUENCE are those of the advisor's feed (``personal_uid`` of the workshop and person, the
workshop's SEQUENCE), so the feed and the invitation are one event."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from courses.advice.models import Consultation
from courses.workshops.models import Workshop
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.i18n import when
from lms.links import absolute
from lms.notifications.operations import enqueue

from .. import ical
from .messages import locale_of

SUBJECTS = {
    "booked": _l("Consultation booked: %(title)s"),
    "rescheduled": _l("Consultation moved: %(title)s"),
    "cancelled": _l("Consultation cancelled: %(title)s"),
}


def _intro(change: str, requester: User, moment: str) -> str:
    if change == "booked":
        return _("%(name)s has booked a consultation with you on %(when)s.", name=requester.name,
                 when=moment)  # fmt: skip
    if change == "rescheduled":
        return _("The consultation with %(name)s has moved to %(when)s.", name=requester.name,
                 when=moment)  # fmt: skip
    return _("The consultation with %(name)s on %(when)s has been cancelled.",
             name=requester.name, when=moment)  # fmt: skip


def advisor_notice(consultation: Consultation, change: str) -> None:
    workshop = db.session.get(Workshop, consultation.workshop_id)
    advisor = db.session.get(User, consultation.advisor_id)
    if workshop is None or advisor is None:
        return
    requester = consultation.case.requester
    config = current_app.config
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    locale = locale_of(advisor)
    with force_locale(locale):
        event = ical.workshop_event(
            workshop,
            uid=ical.personal_uid(workshop, advisor.id),
            sequence=workshop.sequence,
            stamp=utcnow().replace(microsecond=0),
            cancelled=method == "CANCEL",
            organizer=ical.address(config["MAIL_SENDER"], config["SITE_NAME"]),
            attendees=[ical.address(advisor.email, advisor.name, partstat="ACCEPTED", rsvp=False)],
        )
        calendar = ical.calendar([event], method=method).to_ical().decode()
        moment = f"{when(workshop.starts_at, advisor.timezone)} ({advisor.timezone})"
        intro = _intro(change, requester, moment)
        page = absolute(f"/advice/requests/{consultation.case_id}")
        closing = _("The request, its notes and its history: %(url)s", url=page)
        subject = str(SUBJECTS[change] % {"title": workshop.title})
    enqueue(
        f"advice.{change}",
        to_address=advisor.email,
        to_name=advisor.name,
        recipient_id=advisor.id,
        subject=subject,
        text=f"{intro}\n\n{closing}\n",
        html=f"<p>{escape(intro)}</p>\n<p>{escape(closing)}</p>\n",
        calendar=calendar,
        calendar_method=method,
    )
