"""A consultation's workshop changes only through the advice desk: moving it from the
workshop's own pages would skip the advisor's lock (and so could book them twice), and
leaving it there would leave the case believing it booked. The workshops' signals are heard
here and any such change made elsewhere is refused (the caller rolls back), as a cohort
refuses an entity's own mentor as its member."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Conflict

from ..signals import enrolment_changed, workshop_cancelled, workshop_changed
from ..workshops.models import Audience, Workshop
from .queries import consultation_of_workshop

_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("advice_writing", default=False)


@contextmanager
def from_the_desk() -> Iterator[None]:
    """The advice desk's own operations change their consultations' workshops in here."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _check(workshop: Workshop) -> None:
    if _writing.get() or workshop.audience is Audience.public or workshop.cohort_id is not None:
        return
    if consultation_of_workshop(workshop.id) is not None:
        raise Conflict(
            _l("This is an advice consultation: change it from its request's page."),
            code="consultation",
        )


def _on_workshop(workshop: Workshop, **_kwargs: Any) -> None:
    _check(workshop)


def _on_enrolment(enrolment: Any, **_kwargs: Any) -> None:
    _check(enrolment.workshop)


def connect() -> None:
    workshop_changed.connect(_on_workshop, weak=False)
    workshop_cancelled.connect(_on_workshop, weak=False)
    enrolment_changed.connect(_on_enrolment, weak=False)
