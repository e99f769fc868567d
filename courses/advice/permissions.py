"""Who may do what at the advice desk: one function per right, called by its pages and its
API routes alike.

A case belongs to its topic's programme; "the coordinators" below are that programme's (and
site administrators), by ``lms.programmes.permissions``.

- **see** a case (its topic, need, consultations, referrals): its requester, its advisor,
  the coordinators; nobody else learns it exists (404);
- **work on** it (private notes, record a consultation held, refer, close, cancel or move a
  consultation): its advisor and the coordinators; the requester may cancel or move their own;
- **read its private notes**: its advisor and the coordinators, never its requester;
- **book** a slot for it: its requester;
- **reassign** it, and keep topics, advisors and entities' need levels: coordinators;
- **set an advisor's hours**: that advisor, the coordinators of a programme they work in.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden, NotFound
from lms.programmes import permissions as programmes
from lms.security import current_person

from . import queries
from .models import Case, Consultation, Topic


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def _coordinates(user: Any, case: Case) -> bool:
    return programmes.may_manage(user, case.topic.programme_id)


def _coordinates_any(user: Any) -> bool:
    return bool(programmes.managed_by(user))


def may_see(user: Any, case: Case) -> bool:
    return _signed_in(user) and (
        user.id in (case.requester_id, case.advisor_id) or _coordinates(user, case)
    )


def may_work_on(user: Any, case: Case) -> bool:
    return _signed_in(user) and (user.id == case.advisor_id or _coordinates(user, case))


def may_read_notes(user: Any, case: Case) -> bool:
    return may_work_on(user, case)


def may_book(user: Any, case: Case) -> bool:
    return _signed_in(user) and user.id == case.requester_id


def may_change_consultation(user: Any, consultation: Consultation) -> bool:
    """Move or cancel: both people in it, and the coordinators."""
    return may_book(user, consultation.case) or may_work_on(user, consultation.case)


def may_reassign(user: Any, case: Case | None = None) -> bool:
    return _coordinates(user, case) if case is not None else _coordinates_any(user)


def may_keep_topics(user: Any, topic: Topic | None = None) -> bool:
    """Keep ``topic`` (its programme's coordinators), or, without one, keep topics at all."""
    if topic is not None:
        return programmes.may_manage(user, topic.programme_id)
    return _coordinates_any(user)


def may_set_hours(user: Any, advisor_id: int) -> bool:
    if not _signed_in(user):
        return False
    if user.id == advisor_id or programmes.is_admin(user):
        return True
    from lms.programmes.queries import roles_of

    theirs = {pid for pid, roles in roles_of(advisor_id).items() if roles & set(programmes.STAFF)}
    return bool(theirs & programmes.managed_by(user))


def is_advisor(user: Any) -> bool:
    return _signed_in(user) and queries.get_advisor(user.id) is not None


# -- loaders: 404 to whoever may not see, 403 to whoever sees but may not act ----------------


def visible(case_id: int) -> Case:
    case = queries.get_case(case_id)
    if case is None or not may_see(current_person(), case):
        raise NotFound(_l("There is no such request."))
    return case


def worked_on(case_id: int) -> Case:
    case = visible(case_id)
    if not may_work_on(current_person(), case):
        raise Forbidden(_l("Only its advisor or a coordinator can do that."))
    return case


def for_booking(case_id: int) -> Case:
    case = visible(case_id)
    if not may_book(current_person(), case):
        raise Forbidden(_l("Only the person who asked can book a consultation."))
    return case


def reassignable(case_id: int) -> Case:
    case = visible(case_id)
    if not may_reassign(current_person(), case):
        raise Forbidden(_l("Only a coordinator can do that."))
    return case


def consultation_visible(consultation_id: int) -> Consultation:
    consultation = queries.get_consultation(consultation_id)
    if consultation is None or not may_see(current_person(), consultation.case):
        raise NotFound(_l("There is no such consultation."))
    return consultation


def consultation_changed(consultation_id: int) -> Consultation:
    consultation = consultation_visible(consultation_id)
    if not may_change_consultation(current_person(), consultation):
        raise Forbidden(_l("You do not have permission to do that."))
    return consultation


def consultation_worked_on(consultation_id: int) -> Consultation:
    consultation = consultation_visible(consultation_id)
    if not may_work_on(current_person(), consultation.case):
        raise Forbidden(_l("Only its advisor or a coordinator can do that."))
    return consultation


def keeper_of_topics(topic_id: Any = None) -> None:
    """Whoever asks keeps topics (and, with ``topic_id``, that one: 404 for a topic of a
    programme they do not coordinate)."""
    person = current_person()
    if topic_id is not None:
        topic = queries.get_topic(topic_id)
        if topic is None or not may_keep_topics(person, topic):
            raise NotFound(_l("There is no such topic."))
        return
    if not may_keep_topics(person):
        raise Forbidden(_l("Only a coordinator can do that."))


def staff_of_kept_programmes(user: Any) -> list[Any]:
    """The staff a coordinator may name as a topic's advisors: those of her programmes."""
    from lms.programmes.queries import people_with_role

    return people_with_role(programmes.managed_by(user), *programmes.STAFF)


def programme_for_new(requested: Any = None) -> int:
    """Where a new topic goes: a programme the person asking coordinates."""
    return programmes.programme_for_new(current_person(), requested)


def keeper_of_entity(entity_id: Any) -> None:
    """Whoever asks may set the entity's need level (its programme's coordinators)."""
    from lms.db import db

    from ..entities.models import Entity

    person = current_person()
    if not may_keep_topics(person):
        raise Forbidden(_l("Only a coordinator can do that."))
    entity = db.session.get(Entity, entity_id) if isinstance(entity_id, int) else None
    if entity is None or not programmes.may_manage(person, entity.programme_id):
        raise NotFound(_l("There is no such entity."))


def hours_of(advisor_id: int) -> None:
    if not may_set_hours(current_person(), advisor_id):
        raise Forbidden(_l("Only the advisor or a coordinator can change these hours."))
