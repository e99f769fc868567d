"""No slot is ever given twice: several OS processes, each with its own app and connections,
book the last slots of one advisor at the same moment, on whichever database the run uses
(SQLite file or PostgreSQL). The advisor's row lock decides; the loser is told and shown the
next free slots."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from itertools import pairwise

import pytest
import sqlalchemy as sa

from courses.advice.models import Consultation, ConsultationState
from courses.workshops.models import Enrolment, EnrolmentState, Workshop
from lms.db import db
from tests.advice_fixtures import free, request_for, tomorrow_at

pytest_plugins = ["tests.advice_fixtures"]  # desk

pytestmark = pytest.mark.slow

PROCESSES = 4


def _book(args: tuple) -> list[tuple[int, str, list[str]]]:
    """In a client process: book each (case, start) job at ``start_at``; return what came of
    each: ``ok``, ``taken`` with the next slots offered, or the error."""
    url, instance, jobs, start_at = args
    from courses.advice import operations
    from lms import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app(TEST_CONFIG | {"SQLALCHEMY_DATABASE_URI": url}, instance_path=instance)
    outcomes = []
    time.sleep(max(0.0, start_at - time.time()))
    with app.app_context():
        for case_id, starts_at in jobs:
            try:
                operations.book(case_id, starts_at)
                db.session.commit()
                outcomes.append((case_id, "ok", []))
            except operations.SlotTaken as e:
                db.session.rollback()
                offered = [s.starts_at.isoformat() for s in e.next_slots]
                outcomes.append((case_id, "taken", offered))
            except Exception as e:  # counted and shown by the test
                db.session.rollback()
                outcomes.append((case_id, repr(e), []))
        db.session.remove()
        db.engine.dispose()
    return outcomes


def test_a_burst_on_an_advisors_last_slots_gives_each_slot_once(
    database_url, tmp_path, desk, make_user
):
    # 24 requesters ask for the three slots left tomorrow at once, from four processes:
    # three bookings, one per slot, no overlap; the 21 others get "taken" and next slots
    # without the one they asked for.
    weekday = tomorrow_at(10).isoweekday()
    topic, (advisor,) = desk(weekly=[(weekday, "10:00", "12:15")])
    last = [s.starts_at for s in free(advisor.id, days=2)]
    assert last == [tomorrow_at(10), tomorrow_at(10, 45), tomorrow_at(11, 30)]
    cases = [request_for(make_user(), topic) for _ in range(24)]
    jobs = [(case.id, last[n % 3]) for n, case in enumerate(cases)]
    start_at = time.time() + 1.0
    chunks = [(database_url, str(tmp_path), jobs[i::PROCESSES], start_at) for i in range(PROCESSES)]
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        outcomes = [o for part in pool.map(_book, chunks) for o in part]

    kinds = Counter(kind for _, kind, _ in outcomes)
    assert kinds == {"ok": 3, "taken": 21}, kinds
    db.session.rollback()
    booked = list(
        db.session.scalars(
            sa.select(Consultation)
            .where(Consultation.state == ConsultationState.booked)
            .order_by(Consultation.starts_at)
        )
    )
    assert [c.starts_at for c in booked] == last
    assert all(a.ends_at <= b.starts_at for a, b in pairwise(booked))
    winners = {case_id for case_id, kind, _ in outcomes if kind == "ok"}
    assert {c.case_id for c in booked} == winners
    # One workshop per consultation, each with its requester alone in it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 3
    seats = db.session.scalars(sa.select(Enrolment)).all()
    assert len(seats) == 3 and all(s.state is EnrolmentState.enrolled for s in seats)
    asked = {case_id: starts_at.isoformat() for case_id, starts_at in jobs}
    for case_id, kind, offered in outcomes:
        if kind == "taken":
            assert offered and asked[case_id] not in offered, offered
    assert not free(advisor.id, days=2)
