"""Advice burst: N requesters book the last slots of one advisor at the same instant.

    python bench/advice_burst.py --db sqlite --clients 100 --slots 3 --workers 4
    python bench/advice_burst.py --db postgresql

Like ``enrol_storm.py`` (whose database, server and figures it reuses): a migrated database,
one advisor whose hours leave ``--slots`` consultations tomorrow, N requesters each with a
routed request and an API token, gunicorn with several workers; then every requester posts
``/api/v1/advice/requests/{id}/booking`` for one of those slots at once (spread evenly). It
prints requests per second, p50/p99 latency and the status counts, and checks that each slot
went to exactly one person, nobody got a 5xx, and every loser was shown next free slots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from enrol_storm import database, machine, report, server, storm

ZONE = "Europe/Madrid"


def booking(path: str, token: str, starts_at: str) -> bytes:
    body = json.dumps({"starts_at": starts_at}).encode()
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def prepare(url: str, instance: Path, clients: int, slots: int) -> tuple[list, list[str]]:
    """Migrate; one advisor with ``slots`` consultations tomorrow; ``clients`` requests."""
    from flask_migrate import upgrade

    from courses.advice import operations, queries
    from lms import create_app
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user, issue_token
    from lms.db import db, utcnow
    from lms.setup import MIGRATIONS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "AUTO_SETUP": False, "SECRET_KEY": "bench",
         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
        instance_path=str(instance),
    )  # fmt: skip
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        advisor = create_user("advisor@bench.test", "Advisor", "bench-password", Role.trainer)
        tomorrow = (utcnow().astimezone(ZoneInfo(ZONE)) + timedelta(days=1)).date()
        end = datetime(2000, 1, 1, 10) + timedelta(minutes=45 * slots)
        operations.set_hours(
            advisor.id, timezone=ZONE, slot_minutes=45,
            weekly=[(tomorrow.isoweekday(), "10:00", end.strftime("%H:%M"))],
        )  # fmt: skip
        topic = operations.create_topic("Bench", advisor_ids=[advisor.id])
        jobs = []
        for i in range(clients):
            user = create_user(f"requester{i}@bench.test", f"Requester {i}", "bench-password")
            case = operations.create_request(user, topic_id=topic.id, need="x", consent=True)
            jobs.append((case.id, issue_token(user)))
        db.session.commit()
        start = datetime.combine(tomorrow, datetime.min.time(), ZoneInfo(ZONE))
        found = queries.free_slots(queries.get_advisor(advisor.id), start, start + timedelta(1))
        last = [s.starts_at.isoformat() for s in found]
        db.engine.dispose()
    return jobs, last


def check(url: str, last: list[str], results: list, asked: list[str]) -> list[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        booked = conn.execute(
            sa.text("SELECT starts_at FROM advice_consultation WHERE state = 'booked'")
        ).all()
    engine.dispose()
    problems = []
    if len(booked) != len(last):
        problems.append(f"{len(booked)} bookings for {len(last)} slots")
    if len({str(b[0]) for b in booked}) != len(booked):
        problems.append("a slot was given twice")
    for result, wanted in zip(results, asked, strict=True):
        if result.status == 409:
            body = json.loads(result.body)
            if wanted in [s["starts_at"] for s in body.get("next_slots", [])]:
                problems.append("a loser was offered the slot they lost")
                break
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--slots", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "LMS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aula-bench-"))
    try:
        with database(args.db, args.pg_url, folder) as url:
            instance = folder / "instance"
            jobs, last = prepare(url, instance, args.clients, args.slots)
            print(f"machine: {machine()}")
            print(f"database: {args.db}; gunicorn workers: {args.workers}; "
                  f"clients: {args.clients}; slots: {len(last)}")  # fmt: skip
            asked = [last[i % len(last)] for i in range(len(jobs))]
            raws = [
                booking(f"/api/v1/advice/requests/{case_id}/booking", token, starts_at)
                for (case_id, token), starts_at in zip(jobs, asked, strict=True)
            ]
            with server(url, instance, args.workers) as port:
                asyncio.run(storm(port, [raws[0].replace(b"POST", b"GET", 1)] * 5))  # warm up
                results, wall = asyncio.run(storm(port, raws))
            figures = report("booking", results, wall)
            problems = check(url, last, results, asked)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    bad = [s for s in figures["statuses"] if s not in (201, 409)]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("invariants: " + ("held" if not problems and not bad else "BROKEN"))
    return 1 if problems or bad else 0


if __name__ == "__main__":
    sys.exit(main())
