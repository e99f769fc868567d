"""The messages about bootcamp cohorts: an entity's place in a cohort, its mentor, and its
missing weekly check-ins. Under the change's lock only their facts are recorded
(:func:`notify_about_place`: the reader's language, the cohort's and entity's names and ids,
the waiting place...); the worker renders them (:class:`CohortMessages`) in the reader's
language when it delivers them. They carry no invitation of their own: inside a batched
operation (an admission, a removal, a new mentor) a person's place notice leads the digest of
the meetings it touches (:mod:`.digest`), one message with one invitation."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from courses.cohorts.models import CohortPlace, PlaceState
from courses.cohorts.operations import remind_missing_checkins
from courses.cohorts.queries import unannounced_checkins, waitlist_positions
from lms.db import db
from lms.notifications.operations import enqueue_facts
from lms.notifications.render import Record, Rendered
from lms.programmes.queries import programme_name

from ..links import absolute
from .messages import locale_of

SUBJECTS = {
    "checkin_missing": _l("Check-in of week %(week)d missing: %(entity)s"),
    "admitted": _l("Admitted to %(cohort)s: %(entity)s"),
    "waitlisted": _l("On the waiting list of %(cohort)s: %(entity)s"),
    "promoted": _l("Admitted to %(cohort)s: %(entity)s"),
    "left": _l("No longer in %(cohort)s: %(entity)s"),
    "mentor_assigned": _l("Mentor for %(entity)s in %(cohort)s"),
    "mentor_removed": _l("No mentor for %(entity)s in %(cohort)s"),
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

#: The digest a place notice leads inside a batched operation: the meetings it announces.
DIGEST_GROUPS = {"admitted": "REQUEST", "promoted": "REQUEST", "mentor_assigned": "REQUEST",
                 "mentor_removed": "REQUEST", "left": "CANCEL"}  # fmt: skip


def _checkin_path(cohort_id: int, entity_id: int, week: int | None) -> str:
    path = f"/cohorts/{cohort_id}/entities/{entity_id}/check-in"
    return f"{path}?week={week}" if week else path


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(f"scheduler/mail/cohort/{name}").render(**context)


def notify_about_place(kind: str, user, place: CohortPlace, **extra: Any):
    """Record one message about an entity's place in a cohort for ``user``: its facts only
    (``mentor`` a person, ``checkin`` whether to link the check-in form), rendered when it is
    delivered."""
    mentor = extra.pop("mentor", None)
    facts = {
        "to": {"id": user.id, "locale": locale_of(user)},
        "cohort": {
            "id": place.cohort_id,
            "name": place.cohort.name,
            "programme": programme_name(place.cohort.programme_id),
        },
        "entity": {"id": place.entity_id, "name": place.entity.name},
        "mentor": mentor.name if mentor is not None else None,
        **extra,
    }
    return enqueue_facts(
        f"cohort.{kind}",
        to_address=user.email,
        to_name=user.name,
        recipient_id=user.id,
        facts=facts,
        digest_group=DIGEST_GROUPS.get(kind, kind),
        leads=True,
    )


def _subject(kind: str, facts: dict[str, Any]) -> str:
    values = {"cohort": facts["cohort"]["name"], "entity": facts["entity"]["name"],
              "week": facts.get("week") or 0}  # fmt: skip
    return str(SUBJECTS[kind] % values)


def _context(kind: str, facts: dict[str, Any], message: Record) -> dict[str, Any]:
    cohort, entity = facts["cohort"], facts["entity"]
    week = facts.get("week")
    return {
        **CONTEXT_DEFAULTS,
        "kind": kind,
        "user": SimpleNamespace(name=message.payload.get("to_name", "")),
        "cohort": SimpleNamespace(name=cohort["name"]),
        "entity": SimpleNamespace(name=entity["name"]),
        "locale": facts["to"]["locale"],
        "site_name": current_app.config["SITE_NAME"],
        "sender": cohort.get("programme", ""),
        "entity_url": absolute(f"/entities/{entity['id']}"),
        "week": week,
        "position": facts.get("position"),
        "was_waiting": facts.get("was_waiting", False),
        "as_mentor": facts.get("as_mentor", False),
        "mentor": SimpleNamespace(name=facts["mentor"]) if facts.get("mentor") else None,
        "checkin_url": absolute(_checkin_path(cohort["id"], entity["id"], week))
        if facts.get("checkin")
        else "",
    }


def lead(kind: str, facts: dict[str, Any], message: Record) -> tuple[str, str]:
    """What a place notice says at the head of a digest (text, HTML), in the reader's
    language (the caller forces it): the message's own words without its closing line."""
    context = _context(kind, facts, message)
    return _render("_lead.txt", context), _render("_lead.html", context)


class CohortMessages:
    """The renderer of ``cohort.*`` messages (lms.notifications.render)."""

    def subject(self, kind: str, facts: dict[str, Any], message: Record) -> str:
        with force_locale(facts["to"]["locale"]):
            return _subject(kind, facts)

    def render(self, kind: str, facts: dict[str, Any], message: Record) -> Rendered:
        with force_locale(facts["to"]["locale"]):
            context = _context(kind, facts, message)
            return Rendered(
                subject=_subject(kind, facts),
                text=_render("message.txt", context),
                html=_render("message.html", context),
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
            checkin=True,
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
    """To the new mentor (or, when the entity is unpaired, the one it had) and to the
    entity's referent."""
    mentor = place.mentor
    kind, named = (
        ("mentor_assigned", mentor) if mentor is not None else ("mentor_removed", previous)
    )
    if named is None:
        return
    for person in _distinct(named, place.entity.referent):
        notify_about_place(
            kind,
            person,
            place,
            mentor=named,
            as_mentor=person.id == named.id,
            checkin=mentor is not None,
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
