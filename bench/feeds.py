"""Benchmark of the calendar feeds: build time, 304 time and size, against icalendar's floor.

    python bench/feeds.py [--personal 500] [--catalogue 2000] [--builds 7] [--revalidations 300]

A fresh SQLite database (migrated as in production) gets ``--catalogue`` public workshops over a
year in Madrid, Bogotá and Buenos Aires; one learner holds ``--personal`` of them (one in five
on a waiting list). Each feed is then asked for through the app's WSGI interface (Flask's test
client: the whole request inside the server, no network): a full build, and a revalidation
that matches its ETag (the 304). The floor is icalendar alone making and serialising the same
events, with the same VTIMEZONEs and feed properties, from values already in memory. Medians
of several runs, timed inside the app's WSGI callable; figures in docs/benchmarks.md.
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


class Clock:
    """Wall-clock and CPU seconds of one timed stretch. On a shared machine the CPU time
    (this thread's) is the steadier figure; both are reported."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *_exc) -> None:
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.thread_time() - self._cpu)


def server_clock(app) -> dict[str, Clock]:
    """Time spent inside the app's WSGI callable: the server's own time, without the test
    client's work of building the request and reading the response."""
    current = {"clock": Clock()}
    inner = app.wsgi_app

    def timed_app(environ, start_response):
        with current["clock"]:
            return inner(environ, start_response)

    app.wsgi_app = timed_app
    return current


def ask(client, server: dict[str, Clock], clock: Clock, path: str, headers: dict | None = None):
    server["clock"] = clock
    return client.get(path, headers=headers or {})


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


def measure(client, server, name: str, path: str, builds: int, revalidations: int) -> dict:
    response = client.get(path)  # warm up: imports, templates, the zone data
    events = floor_inputs(response.data)
    assert all(e["start"].tzinfo.key in ZONES for e in events)
    build, floor, not_modified = Clock(), Clock(), Clock()
    for _ in range(builds):  # in turns, so that both see the same load
        response = ask(client, server, build, path)
        assert response.status_code == 200, response.status_code
        with floor:
            icalendar_floor(events)
    headers = {"If-None-Match": response.headers["ETag"]}
    for _ in range(revalidations):
        assert ask(client, server, not_modified, path, headers).status_code == 304
    return {
        "feed": name,
        "events": len(events),
        "bytes": len(response.data),
        "build": build,
        "floor": floor,
        "not_modified": not_modified,
    }


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


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
        client, server = app.test_client(), server_clock(app)
        results = [
            measure(client, server, "personal", personal, args.builds, args.revalidations),
            measure(
                client,
                server,
                "catalogue",
                "/calendar/catalog.ics",
                args.builds,
                args.revalidations,
            ),
        ]
        with app.app_context():
            from lms.db import db

            db.engine.dispose()

    print(f"Python {platform.python_version()}, {platform.machine()}, SQLite; medians, server time")
    print(
        "| feed | events | full build (wall / CPU) | icalendar floor (wall / CPU) "
        "| build / floor (CPU) | 304 (wall / CPU) | bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        build, floor, revalidation = r["build"], r["floor"], r["not_modified"]
        print(
            f"| {r['feed']} | {r['events']} "
            f"| {ms(build.wall):.0f} / {ms(build.cpu):.0f} ms "
            f"| {ms(floor.wall):.0f} / {ms(floor.cpu):.0f} ms "
            f"| {statistics.median(build.cpu) / statistics.median(floor.cpu):.2f} "
            f"| {ms(revalidation.wall):.2f} / {ms(revalidation.cpu):.2f} ms "
            f"| {r['bytes']:,} |"
        )


if __name__ == "__main__":
    main()
