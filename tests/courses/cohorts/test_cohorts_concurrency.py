"""Cohort places under contention: several gunicorn workers, several client processes."""

from __future__ import annotations

import json
import multiprocessing
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from lms.db import db
from tests.cohort_fixtures import cohort_start_across_dst, make_entities

pytestmark = pytest.mark.slow

#: A small path, so that each admission lays out little: one cohort-wide meeting and one
#: check-in per entity.
STEPS = [
    {"kind": "workshop", "title": "Casos referents", "week": 1, "weekday": 2,
     "start_time": "10:00", "duration_minutes": 60},
    {"kind": "check-in", "title": "Seguiment", "week": 2, "weekday": 5,
     "start_time": "09:30", "duration_minutes": 30},
]  # fmt: skip


def _call(args: tuple[str, str, str, dict | None]) -> tuple[int, dict | None]:
    method, url, token, body = args
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, None


def test_concurrent_admissions_never_exceed_capacity(app, live_server, make_user, make_cohort):
    # 16 entities asked for at once through 4 workers: exactly 10 admitted, the other 6
    # waiting in one unbroken order; then 3 leave while 2 more ask: still 10, no 5xx.
    from courses.cohorts.models import Cohort, CohortPlace, PlaceState
    from courses.workshops.models import Workshop
    from lms.accounts.operations import issue_token

    coordinator = make_user("coordinator")
    starts_on, _ = cohort_start_across_dst()
    cohort = make_cohort(
        name="Concurrència", steps=STEPS, starts_on=starts_on, referent=coordinator
    )
    token = issue_token(coordinator)
    db.session.commit()
    entities = make_entities(make_user, 18, members=1)
    ids = [e.id for e in entities]
    cohort_id = cohort.id
    base = live_server(workers=4)
    url = f"{base}/api/v1/cohorts/{cohort_id}/entities"

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        first = pool.map(_call, [("POST", url, token, {"entity_id": i}) for i in ids[:16]])
    assert all(status == 201 for status, _ in first), first
    assert sorted(b["status"] for _, b in first) == ["admitted"] * 10 + ["waitlisted"] * 6
    assert sorted(b["waitlist_position"] or 0 for _, b in first) == [0] * 10 + [1, 2, 3, 4, 5, 6]

    db.session.rollback()
    places = db.session.scalars(
        sa.select(CohortPlace).where(CohortPlace.cohort_id == cohort_id)
    ).all()
    admitted = [p.entity_id for p in places if p.state is PlaceState.admitted]
    waiting = sorted(
        (p for p in places if p.state is PlaceState.waitlisted), key=lambda p: p.arrival
    )
    leaving = admitted[:3]
    calls = [("DELETE", f"{url}/{i}", token, None) for i in leaving]
    calls += [("POST", url, token, {"entity_id": i}) for i in ids[16:]]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        second = pool.map(_call, calls)
    assert [s for s, _ in second] == [204, 204, 204, 201, 201]

    db.session.rollback()
    cohort = db.session.get(Cohort, cohort_id, populate_existing=True)
    places = db.session.scalars(
        sa.select(CohortPlace).where(CohortPlace.cohort_id == cohort_id)
    ).all()
    state = {p.entity_id: p.state for p in places}
    now_admitted = {e for e, s in state.items() if s is PlaceState.admitted}
    assert len(now_admitted) == 10 == cohort.admitted_count
    # The first three who waited are the ones who came in.
    assert {p.entity_id for p in waiting[:3]} <= now_admitted
    assert cohort.waitlist_count == sum(s is PlaceState.waitlisted for s in state.values()) == 5
    # One check-in meeting per admitted entity still scheduled; the cohort-wide meeting holds
    # exactly the members of the admitted entities.
    wide = db.session.scalars(
        sa.select(Workshop).where(
            Workshop.cohort_id == cohort_id, Workshop.title == "Casos referents"
        )
    ).one()
    assert wide.enrolled_count == 10
    scheduled = db.session.scalar(
        sa.select(sa.func.count(Workshop.id)).where(
            Workshop.cohort_id == cohort_id,
            Workshop.title.like("Seguiment%"),
            Workshop.status == "scheduled",
        )
    )
    assert scheduled == 10
