"""The messages about bootcamp cohorts: an entity's place in a cohort, its mentor, and its
missing weekly check-ins. Written, like the workshops' ones, in the reader's language inside
the transaction of the change; they carry no invitation (the meetings' own enrolments do)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from courses.cohorts.models import CohortPlace, PlaceState
from courses.cohorts.operations import remind_missing_checkins
from courses.cohorts.queries import unannounced_checkins, waitlist_positions
from lms.db import db
from lms.notifications.operations import enqueue

from ..links import absolute
from .messages import locale_of

SUBJECTS = {
    "checkin_missing": _l("Check-in of week %(week)d missing: %(entity)s"),
    "admitted": _l("Admitted to %(cohort)s: %(entity)s"),
    "waitlisted": _l("On the waiting list of %(cohort)s: %(entity)s"),
    "promoted": _l("Admitted to %(cohort)s: %(entity)s"),
    "left": _l("No longer in %(cohort)s: %(entity)s"),
    "mentor_assigned": _l("Mentor for %(entity)s in %(cohort)s"),
}

#: What only some kinds of message say.
CONTEXT_DEFAULTS: dict[str, Any] = {
    "week": None,
    "position": None,
    "was_waiting": False,
    "as_mentor": False,
    "mentor": None,
    "checkin_url": "",
}


def checkin_url(place: CohortPlace, week: int | None = None) -> str:
    """The check-in form, with the week chosen when given."""
    path = f"/cohorts/{place.cohort_id}/entities/{place.entity_id}/check-in"
    return absolute(f"{path}?week={week}" if week else path)


def entity_url(place: CohortPlace) -> str:
    return absolute(f"/entities/{place.entity_id}")


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(f"scheduler/mail/cohort/{name}").render(**context)


def notify_about_place(kind: str, user, place: CohortPlace, **extra: Any):
    """Enqueue one message about an entity's place in a cohort for ``user``."""
    cohort, entity = place.cohort, place.entity
    locale = locale_of(user)
    with force_locale(locale):
        context = {
            **CONTEXT_DEFAULTS,
            "kind": kind,
            "user": user,
            "cohort": cohort,
            "entity": entity,
            "place": place,
            "locale": locale,
            "site_name": current_app.config["SITE_NAME"],
            "entity_url": entity_url(place),
            **extra,
        }
        values = {"cohort": cohort.name, "entity": entity.name, "week": extra.get("week", 0)}
        message = {
            "subject": str(SUBJECTS[kind] % values),
            "text": _render("message.txt", context),
            "html": _render("message.html", context),
        }
    return enqueue(
        f"cohort.{kind}",
        to_address=user.email,
        to_name=user.name,
        recipient_id=user.id,
        **message,
    )


def _distinct(*people) -> list:
    seen, result = set(), []
    for person in people:
        if person is not None and person.id not in seen:
            seen.add(person.id)
            result.append(person)
    return result


def checkin_missing_notice(place: CohortPlace, week: int) -> None:
    """To whoever leads the entity's check-ins (its mentor, else the cohort's referent) and
    to the entity's referent: each may record it."""
    leader = place.mentor or place.cohort.referent
    for person in _distinct(leader, place.entity.referent):
        notify_about_place(
            "checkin_missing",
            person,
            place,
            week=week,
            checkin_url=checkin_url(place, week),
            as_mentor=person.id == leader.id,
        )


def place_notice(place: CohortPlace, previous, reason: str) -> None:
    """To every member of the entity (its referent first)."""
    entity = place.entity
    position = waitlist_positions(place.cohort_id).get(place.entity_id)
    for person in _distinct(entity.referent, *(m.user for m in entity.memberships)):
        notify_about_place(
            reason,
            person,
            place,
            position=position,
            was_waiting=previous is PlaceState.waitlisted,
        )


def mentor_notice(place: CohortPlace, previous) -> None:
    """To the new mentor and to the entity's referent."""
    mentor = place.mentor
    assert mentor is not None, "announced after a mentor is assigned"
    for person in _distinct(mentor, place.entity.referent):
        notify_about_place(
            "mentor_assigned",
            person,
            place,
            mentor=mentor,
            as_mentor=person.id == mentor.id,
            checkin_url=checkin_url(place),
        )


def enqueue_missing_checkins(now: datetime | None = None) -> int:
    """Remind of every missing check-in not reminded of yet, once, and commit. A cheap read
    first, so an idle worker never takes the write lock; ``remind_missing_checkins``
    serialises the writers and a UNIQUE key backs it."""
    if not unannounced_checkins(now):
        db.session.rollback()
        return 0
    count = remind_missing_checkins(now)
    db.session.commit()
    return count
