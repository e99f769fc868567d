"""Invariants 1-3 of design.md under real concurrency: gunicorn with four worker processes,
and a pool of client processes (each with threads) firing enrolments and withdrawals at once,
on whichever database the run uses (SQLite file or PostgreSQL)."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from courses.workshops.models import Enrolment, EnrolmentState, Workshop
from lms.db import db

pytestmark = pytest.mark.slow

PROCESSES = 4
THREADS = 8


def _call(base: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    """One request on a new connection; never raises, so that a failure is counted."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    started = time.monotonic()
    try:
        payload = json.dumps(body) if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        status = response.status
    except OSError as e:
        status, text = 0, repr(e)
    finally:
        conn.close()
    return {"status": status, "text": text, "started": started, "ended": time.monotonic()}


def _run_chunk(args: tuple) -> list[dict]:
    """In a client process: fire ``requests`` from THREADS threads, all starting at
    ``start_at`` (wall clock), and return what came back."""
    base, requests, start_at = args
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda r: _call(base, *r[1:]) | {"key": r[0]}, requests))
    return results


def storm(base: str, requests: list[tuple]) -> list[dict]:
    """Spread ``(key, method, path, token[, body])`` requests over PROCESSES OS processes."""
    chunks = [requests[i::PROCESSES] for i in range(PROCESSES)]
    start_at = time.time() + 0.5
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        parts = pool.map(_run_chunk, [(base, chunk, start_at) for chunk in chunks])
    return [r for part in parts for r in part]


class Watcher(threading.Thread):
    """Reads the database over and over while the storm runs: the number of enrolled rows
    (and the workshop's counter) must never pass the capacity at any moment."""

    def __init__(self, url: str, workshop_id: int):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.workshop_id = workshop_id
        self.stop = threading.Event()
        self.seen: list[tuple[int, int, int]] = []

    def run(self) -> None:
        query = sa.text(
            "SELECT w.capacity, w.enrolled_count, "
            "(SELECT count(*) FROM enrolment e WHERE e.workshop_id = w.id AND e.state = 'enrolled')"
            " FROM workshop w WHERE w.id = :id"
        )
        while not self.stop.is_set():
            with self.engine.connect() as conn:
                self.seen.append(tuple(conn.execute(query, {"id": self.workshop_id}).one()))
            time.sleep(0.01)

    def finish(self) -> list[tuple[int, int, int]]:
        self.stop.set()
        self.join()
        self.engine.dispose()
        return self.seen


def _rows(workshop_id: int) -> list[Enrolment]:
    db.session.rollback()  # a new snapshot: SQLite keeps the old one otherwise
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.workshop_id == workshop_id)
            .order_by(Enrolment.arrival)
        )
    )


def assert_invariants(workshop_id: int) -> list[Enrolment]:
    """Counters match real counts; the seats go to the first live arrivals; nobody waits
    while a seat is free; one row per person."""
    rows = _rows(workshop_id)
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    live = [e for e in rows if e.state.is_live]
    enrolled = [e for e in live if e.state is EnrolmentState.enrolled]
    waiting = [e for e in live if e.state is EnrolmentState.waitlisted]
    assert workshop.enrolled_count == len(enrolled) <= workshop.capacity
    assert workshop.waitlist_count == len(waiting)
    assert len(enrolled) == min(workshop.capacity, len(live))
    assert not waiting or len(enrolled) == workshop.capacity, "someone waits by a free seat"
    assert live[: len(enrolled)] == enrolled, "a seat went to someone who came later"
    assert len({e.user_id for e in rows}) == len(rows)
    return rows


def assert_no_server_errors(results: list[dict]) -> None:
    bad = [r for r in results if not 200 <= r["status"] < 500 or "locked" in r["text"]]
    assert not bad, bad[:3]


@pytest.fixture
def crowd(make_user, make_workshop, api_token):
    """A 10-seat workshop and ``crowd(n)`` learners with bearer tokens."""
    workshop = make_workshop(capacity=10)
    made = []

    def make(n: int) -> list[tuple[int, str]]:
        new = [make_user() for _ in range(n)]
        tokens = [api_token(u)["Authorization"].split()[1] for u in new]
        made.extend(zip((u.id for u in new), tokens, strict=True))
        return made[-n:]

    return workshop, make


def test_a_burst_of_enrolments_never_overbooks(live_server, database_url, crowd):
    # 60 learners click "enrol" twice at once over 4 server processes: exactly 10 seats,
    # 50 waiting in arrival order, one row each, 201 then 200, no 5xx and no "locked".
    workshop, make = crowd
    learners = make(60)
    base = live_server(workers=4)
    path = f"/api/v1/workshops/{workshop.id}/enrolment"
    requests = [(uid, "POST", path, token) for uid, token in learners for _ in range(2)]
    watcher = Watcher(database_url, workshop.id)
    watcher.start()
    results = storm(base, requests)
    seen = watcher.finish()

    assert_no_server_errors(results)
    assert all(r["status"] in (200, 201) for r in results), {r["status"] for r in results}
    by_user: dict[int, list[dict]] = {}
    for r in results:
        by_user.setdefault(r["key"], []).append(r)
    assert all(sorted(r["status"] for r in rs) == [200, 201] for rs in by_user.values())
    rows = assert_invariants(workshop.id)
    assert len(rows) == 60
    assert [e.arrival for e in rows] == list(range(1, 61))
    assert sum(e.state is EnrolmentState.enrolled for e in rows) == 10
    # Each newcomer was told the place they really took: arrival 11 is number 1, and so on.
    arrival = {e.user_id: e.arrival for e in rows}
    for uid, rs in by_user.items():
        body = json.loads(next(r for r in rs if r["status"] == 201)["text"])
        expected = None if arrival[uid] <= 10 else arrival[uid] - 10
        assert body["waitlist_position"] == expected
    assert seen and all(count == counter <= capacity for capacity, counter, count in seen)


def test_withdrawals_and_enrolments_at_once_promote_in_arrival_order(
    live_server, database_url, crowd, api_token
):
    # While people withdraw, newcomers enrol, others repeat their request and the trainer
    # raises the capacity, every freed seat goes to the first person waiting.
    workshop, make = crowd
    first = make(40)
    base = live_server(workers=4)
    path = f"/api/v1/workshops/{workshop.id}/enrolment"
    assert_no_server_errors(storm(base, [(uid, "POST", path, tok) for uid, tok in first]))
    before = {e.user_id: e for e in assert_invariants(workshop.id)}
    seated = [uid for uid, _ in first if before[uid].state is EnrolmentState.enrolled]
    waiting = sorted(
        (uid for uid, _ in first if before[uid].state is EnrolmentState.waitlisted),
        key=lambda uid: before[uid].arrival,
    )
    leaving = set(seated[:5] + waiting[::3])
    tokens = dict(first)
    newcomers = make(20)
    trainer = api_token(workshop.trainer)["Authorization"].split()[1]
    requests = (
        [("leave", "DELETE", path, tokens[uid]) for uid in leaving]
        + [("join", "POST", path, tok) for _, tok in newcomers]
        + [("again", "POST", path, tokens[uid]) for uid in waiting if uid not in leaving][:10]
        + [("raise", "PATCH", f"/api/v1/workshops/{workshop.id}", trainer, {"capacity": 12})]
    )
    watcher = Watcher(database_url, workshop.id)
    watcher.start()
    results = storm(base, requests)
    seen = watcher.finish()

    assert_no_server_errors(results)
    expected = {"leave": {204}, "join": {201}, "again": {200}, "raise": {200}}
    assert all(r["status"] in expected[r["key"]] for r in results), [
        (r["key"], r["status"], r["text"]) for r in results if r["status"] not in expected[r["key"]]
    ]
    rows = assert_invariants(workshop.id)
    assert len(rows) == 60
    after = {e.user_id: e for e in rows}
    assert all(after[uid].state is EnrolmentState.withdrawn for uid in leaving)
    # Repeating a request kept one's place: the first wave's live people kept their arrival.
    kept = [uid for uid in waiting if uid not in leaving]
    assert all(after[uid].arrival == before[uid].arrival for uid in kept)
    # The first wave still waiting are ahead of every newcomer, in their first order.
    live_order = [e.user_id for e in rows if e.state.is_live]
    first_wave = set(seated[5:] + kept)
    assert set(live_order[: len(first_wave)]) == first_wave
    assert seen and all(count == counter <= capacity for capacity, counter, count in seen)


def _take_or_enrol(args: tuple) -> list[str]:
    """In a client process, with its own app and connections: each job takes the other date
    (locking both workshops) or enrols in / withdraws from one of them."""
    url, instance, jobs, start_at = args
    from courses.workshops import operations as ops
    from lms import create_app
    from lms.accounts.models import User
    from tests.conftest import TEST_CONFIG

    app = create_app(TEST_CONFIG | {"SQLALCHEMY_DATABASE_URI": url}, instance_path=instance)
    outcomes = []
    time.sleep(max(0.0, start_at - time.time()))
    with app.app_context():
        for kind, workshop_id, user_id in jobs:
            user = db.session.get(User, user_id)
            try:
                if kind == "take":
                    ops.take_another_date(workshop_id, user)
                elif kind == "enrol":
                    ops.enrol(workshop_id, user)
                else:
                    ops.withdraw(workshop_id, user_id)
                db.session.commit()
                outcomes.append("ok")
            except Exception as e:  # counted and shown by the test
                db.session.rollback()
                outcomes.append(f"{kind}: {e!r}")
        db.session.remove()
        db.engine.dispose()
    return outcomes


def test_taking_another_date_while_others_enrol_never_deadlocks(
    database_url, tmp_path, make_workshop, make_user
):
    # People waiting take the new date while others enrol in and leave both dates, from four
    # processes at once: both workshops lock in id order, so nothing deadlocks or overbooks,
    # and each taker ends up in the new date and off the first list.
    from courses.workshops import operations as ops

    first = make_workshop(capacity=2)
    crowd = [make_user() for _ in range(22)]
    for person in crowd:
        ops.enrol(first.id, person)
    db.session.commit()
    second = ops.open_another_date(
        first.id, starts_at=first.starts_at, ends_at=first.ends_at, capacity=5
    )
    db.session.commit()
    # The two freed seats of the first date go to crowd[2:4], who stay waiting for them.
    takers, newcomers = crowd[4:16], [make_user() for _ in range(12)]
    jobs = (
        [("take", second.id, u.id) for u in takers]
        + [("enrol", (first if i % 2 else second).id, u.id) for i, u in enumerate(newcomers)]
        + [("withdraw", first.id, u.id) for u in crowd[:2]]
    )
    start_at = time.time() + 1.0
    chunks = [(database_url, str(tmp_path), jobs[i::PROCESSES], start_at) for i in range(PROCESSES)]
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        outcomes = [o for part in pool.map(_take_or_enrol, chunks) for o in part]

    assert outcomes == ["ok"] * len(jobs), [o for o in outcomes if o != "ok"]
    assert_invariants(first.id)
    rows = {e.user_id: e for e in assert_invariants(second.id)}
    first_rows = {e.user_id: e for e in _rows(first.id)}
    for taker in takers:
        assert rows[taker.id].state.is_live
        assert first_rows[taker.id].state is EnrolmentState.withdrawn
    assert all(first_rows[u.id].state is EnrolmentState.enrolled for u in crowd[2:4])
