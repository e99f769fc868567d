"""Benchmark of the calendar feeds: build time, 304 time and size, against icalendar's floor.

    python bench/feeds.py [--personal 500] [--catalogue 2000] [--builds 7] [--revalidations 300]

A fresh SQLite database (migrated as in production) gets ``--catalogue`` public workshops over a
year in Madrid, Bogotá and Buenos Aires; one learner holds ``--personal`` of them (one in five
on a waiting list). Each feed is then asked for through the app's WSGI interface (Flask's test
client: the whole request inside the server, no network): a full build, and a revalidation
that matches its ETag (the 304). The floor is icalendar alone making and serialising the same
events, with the same VTIMEZONEs and feed properties, from values already in memory. Medians
of several runs; figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ZONES = ("Europe/Madrid", "America/Bogota", "America/Argentina/Buenos_Aires")


def make_app(folder: Path):
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "LOAD_DEMO_WHEN_EMPTY": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "BASE_URL": "https://aula.example.org",
            "RATELIMIT_ENABLED": False,
        },
        instance_path=str(folder / "instance"),
    )


def populate(catalogue: int, personal: int) -> str:
    """The workshops and the learner's places; returns the learner's feed path."""
    from courses.workshops import operations
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user
    from lms.db import db
    from scheduler.feeds.operations import replace_token

    trainer = create_user("t@aula.example", "Trainer", "password1", Role.trainer)
    learner = create_user("l@aula.example", "Learner", "password1", Role.learner)
    other = create_user("o@aula.example", "Other", "password1", Role.learner)
    first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    chosen = set(range(0, catalogue, max(1, catalogue // personal))[:personal])
    for i in range(catalogue):
        zone = ZoneInfo(ZONES[i % len(ZONES)])
        day = (first + timedelta(days=1 + i * 365 // catalogue)).astimezone(zone)
        start = day.replace(hour=10 + i % 8, minute=0)
        waiting = i in chosen and i % 5 == 0
        workshop = operations.create_workshop(
            trainer=trainer,
            title=f"Taller {i}: marketing de contenidos para pequeños comercios",
            description="Cómo contar lo que haces mejor que nadie, con contenidos que atraen.",
            topic=("Web", "Marketing", "Legal")[i % 3],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone=str(zone),
            capacity=1 if waiting else 10,
        )
        if waiting:
            operations.enrol(workshop.id, other)
        if i in chosen:
            operations.enrol(workshop.id, learner)
    token = replace_token(learner)
    db.session.commit()
    return f"/calendar/{token}.ics"


def median_ms(runs: list[float]) -> float:
    return statistics.median(runs) * 1000


def timed(client, path: str, times: int, headers: dict | None = None) -> tuple[list[float], object]:
    runs, response = [], None
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        runs.append(time.perf_counter() - started)
    return runs, response


def floor_inputs(body: bytes) -> list[dict]:
    """The events of a feed as plain values (read back outside any timing)."""
    from icalendar import Calendar

    return [
        {
            "uid": str(e["UID"]),
            "sequence": int(e["SEQUENCE"]),
            "stamp": e.DTSTAMP,
            "start": e.start,
            "end": e.end,
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
            "url": str(e["URL"]),
            "status": str(e["STATUS"]),
        }
        for e in Calendar.from_ical(body).events
    ]


def icalendar_floor(events: list[dict]) -> bytes:
    """icalendar alone: the same events, zones and feed properties, from memory."""
    from icalendar import Calendar, Event, vDuration

    cal = Calendar.new(prodid="-//Aula//Aula LMS//EN", name="Aula")
    cal.pop("UID", None)
    for e in events:
        cal.add_component(Event.new(**e))
    starts = [e["start"] for e in events]
    cal.add_missing_timezones(
        first_date=min(starts) - timedelta(days=1), last_date=max(starts) + timedelta(days=1)
    )
    cal.add("REFRESH-INTERVAL", vDuration(timedelta(hours=4)), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(timedelta(hours=4)))
    return cal.to_ical()


def measure(client, name: str, path: str, builds: int, revalidations: int) -> dict:
    client.get(path)  # warm up: imports, templates, the zone data
    build_runs, response = timed(client, path, builds)
    assert response.status_code == 200, response.status_code
    body = response.data
    not_modified, response304 = timed(
        client, path, revalidations, {"If-None-Match": response.headers["ETag"]}
    )
    assert response304.status_code == 304
    events = floor_inputs(body)
    assert all(e["start"].tzinfo.key in ZONES for e in events)
    floor_runs = []
    for _ in range(builds):
        started = time.perf_counter()
        icalendar_floor(events)
        floor_runs.append(time.perf_counter() - started)
    return {
        "feed": name,
        "events": len(events),
        "build_ms": median_ms(build_runs),
        "floor_ms": median_ms(floor_runs),
        "ratio": statistics.median(build_runs) / statistics.median(floor_runs),
        "not_modified_ms": median_ms(not_modified),
        "bytes": len(body),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personal", type=int, default=500)
    parser.add_argument("--catalogue", type=int, default=2000)
    parser.add_argument("--builds", type=int, default=7)
    parser.add_argument("--revalidations", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        with app.app_context():
            started = time.perf_counter()
            personal = populate(args.catalogue, args.personal)
            print(f"database filled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        client = app.test_client()
        results = [
            measure(client, "personal", personal, args.builds, args.revalidations),
            measure(client, "catalogue", "/calendar/catalog.ics", args.builds, args.revalidations),
        ]
        with app.app_context():
            from lms.db import db

            db.engine.dispose()

    print(f"Python {platform.python_version()}, {platform.machine()}, SQLite, WSGI test client")
    print("| feed | events | full build | icalendar floor | build / floor | 304 | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['feed']} | {r['events']} | {r['build_ms']:.0f} ms | {r['floor_ms']:.0f} ms "
            f"| {r['ratio']:.2f} | {r['not_modified_ms']:.2f} ms | {r['bytes']:,} |"
        )


if __name__ == "__main__":
    main()
