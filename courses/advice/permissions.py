"""Who may do what at the advice desk: one function per right, called by its pages and its
API routes alike.

- **see** a case (its topic, need, consultations, referrals): its requester, its advisor,
  the coordinators; nobody else learns it exists (404);
- **work on** it (private notes, record a consultation held, refer, close, cancel or move a
  consultation): its advisor and the coordinators; the requester may cancel or move their own;
- **read its private notes**: its advisor and the coordinators, never its requester;
- **book** a slot for it: its requester;
- **reassign** it, and keep topics and advisors: coordinators;
- **set an advisor's hours**: that advisor, coordinators.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden, NotFound
from lms.security import current_person

from . import queries
from .models import Case, Consultation


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated


def _is_coordinator(user: Any) -> bool:
    return _signed_in(user) and user.is_coordinator


def may_see(user: Any, case: Case) -> bool:
    return _signed_in(user) and (
        user.is_coordinator or user.id in (case.requester_id, case.advisor_id)
    )


def may_work_on(user: Any, case: Case) -> bool:
    return _signed_in(user) and (user.is_coordinator or user.id == case.advisor_id)


def may_read_notes(user: Any, case: Case) -> bool:
    return may_work_on(user, case)


def may_book(user: Any, case: Case) -> bool:
    return _signed_in(user) and user.id == case.requester_id


def may_change_consultation(user: Any, consultation: Consultation) -> bool:
    """Move or cancel: both people in it, and the coordinators."""
    return may_book(user, consultation.case) or may_work_on(user, consultation.case)


def may_reassign(user: Any) -> bool:
    return _is_coordinator(user)


def may_keep_topics(user: Any) -> bool:
    return _is_coordinator(user)


def may_set_hours(user: Any, advisor_id: int) -> bool:
    return _signed_in(user) and (user.is_coordinator or user.id == advisor_id)


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
    if not may_reassign(current_person()):
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


def keeper_of_topics() -> None:
    if not may_keep_topics(current_person()):
        raise Forbidden(_l("Only a coordinator can do that."))


def hours_of(advisor_id: int) -> None:
    if not may_set_hours(current_person(), advisor_id):
        raise Forbidden(_l("Only the advisor or a coordinator can change these hours."))
