"""What each page and API list costs over a generated province (issue 17).

    python bench/page_costs.py --scale 0.01 0.1 --db sqlite postgresql [--repeats 20]

For each scale and database a fresh province is generated (bench/province.py), then every page
and API list a person uses is asked for through the app's WSGI interface (Flask's test client,
signed in as the person who uses it): the server time (median and 95th percentile of
``--repeats`` requests, timed inside the WSGI callable as bench/feeds.py does), the bytes of
the answer and the number of SQL statements it ran. Feeds are asked for without validators
(a full build every time). A table per run is printed as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from province import PASSWORD, Province


@dataclass(frozen=True)
class Page:
    name: str
    #: who asks: "learner", "trainer", "coordinator" or "" (nobody signed in)
    who: str
    path: str
    #: an API route: the person's bearer token instead of the session
    api: bool = False


def pages(p: Province) -> list[Page]:
    """Every page and API list of the benchmark, with the province's rows in their paths."""
    today = date.today()
    year = f"from={today - timedelta(days=365)}&to={today}"
    return [
        Page("catalogue", "", "/"),
        Page("catalogue, topic", "", "/?topic=Web"),
        Page("catalogue, page 2", "", "/?page=2"),
        Page("workshop page", "learner", f"/workshops/{p.full_workshop_id}"),
        Page("roster (full workshop)", "coordinator", f"/workshops/{p.full_workshop_id}/roster"),
        Page("learner's agenda", "learner", "/me/workshops"),
        Page("personal feed", "", f"/calendar/{p.feeds['learner']}.ics"),
        Page("trainer feed", "", f"/calendar/{p.feeds['trainer']}.ics"),
        Page("coordinator feed ?all=1", "", f"/calendar/{p.feeds['coordinator']}.ics?all=1"),
        Page("catalogue feed", "", "/calendar/catalog.ics"),
        Page("report (12 weeks)", "coordinator", "/reports"),
        Page("report (one year)", "coordinator", f"/reports?{year}"),
        Page("deliveries", "coordinator", "/deliveries"),
        Page("cohort dashboard", "coordinator", f"/cohorts/{p.cohort_id}"),
        Page("entity page", "coordinator", f"/entities/{p.entity_id}"),
        Page("entities list", "coordinator", "/entities"),
        Page("trainer's attendance", "trainer", "/teaching/attendance"),
        Page("GET /api/v1/workshops", "learner", "/api/v1/workshops", api=True),
        Page("GET /api/v1/workshops page 2", "learner", "/api/v1/workshops?page=2", api=True),
        Page("GET /api/v1/entities", "coordinator", "/api/v1/entities", api=True),
    ]


@dataclass
class Cost:
    name: str
    status: int
    median_ms: float
    p95_ms: float
    size: int
    statements: int


class Meter:
    """Counts the SQL statements of the engine and times the WSGI callable."""

    def __init__(self, app) -> None:
        import sqlalchemy as sa

        from lms.db import db

        self.statements = 0
        self.seconds: list[float] = []
        self.thread = threading.get_ident()  # the test client runs the app in this thread
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._count)
        inner = app.wsgi_app

        def timed(environ, start_response):
            started = time.perf_counter()
            try:
                return inner(environ, start_response)
            finally:
                self.seconds.append(time.perf_counter() - started)

        app.wsgi_app = timed

    def _count(self, *_args) -> None:
        if threading.get_ident() == self.thread:
            self.statements += 1

    @contextmanager
    def measuring(self) -> Iterator[None]:
        self.statements, self.seconds = 0, []
        yield


def clients(app, p: Province) -> dict[str, tuple]:
    """A signed-in test client and API headers per person."""
    from lms.accounts.operations import issue_token
    from lms.accounts.queries import user_by_email
    from lms.db import db

    made = {"": (app.test_client(), {})}
    for who, email in (
        ("learner", p.learner_email),
        ("trainer", p.trainer_email),
        ("coordinator", p.coordinator_email),
    ):
        client = app.test_client()
        answer = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        assert answer.status_code in (302, 303), (who, answer.status_code)
        with app.app_context():
            token = issue_token(user_by_email(email))
            db.session.commit()
        made[who] = (client, {"Authorization": f"Bearer {token}"})
    return made


def ask(client, headers: dict, page: Page):
    return client.get(page.path, headers=headers if page.api else {})


def measure(app, p: Province, repeats: int = 20, only: list[str] | None = None) -> list[Cost]:
    meter, made = Meter(app), clients(app, p)
    costs = []
    for page in pages(p):
        if only and page.name not in only:
            continue
        client, headers = made[page.who]
        ask(client, headers, page)  # warm: templates compiled, statements cached
        with meter.measuring():
            answer = ask(client, headers, page)
            statements, size = meter.statements, len(answer.get_data())
        with meter.measuring():
            for _ in range(repeats):
                ask(client, headers, page)
            seconds = sorted(meter.seconds)
        p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
        costs.append(
            Cost(
                page.name,
                answer.status_code,
                statistics.median(seconds) * 1000,
                p95 * 1000,
                size,
                statements,
            )
        )
    return costs


def statement_counts(app, p: Province) -> dict[str, tuple[int, int]]:
    """(status, statements) of each page, asked once: what the constancy test compares."""
    return {c.name: (c.status, c.statements) for c in measure(app, p, repeats=1)}


def table(costs: list[Cost]) -> str:
    lines = [
        "| page | status | median ms | p95 ms | bytes | statements |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {c.name} | {c.status} | {c.median_ms:.1f} | {c.p95_ms:.1f} | {c.size:,} | "
        f"{c.statements} |"
        for c in costs
    ]
    return "\n".join(lines)


def main() -> None:
    from province import database_url, generate, make_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="page names to measure")
    parser.add_argument("--keep", help="folder for the databases and their province.json")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the province kept by an earlier --keep"
    )
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.platform()}, {date.today()}")
    for kind in args.db:
        for scale in args.scale:
            name = f"aula_province_{str(scale).replace('.', '_')}"
            saved = Path(args.keep or tempfile.gettempdir()) / f"{kind}-{name}.json"
            started = time.perf_counter()
            if args.reuse and saved.exists():
                stored = json.loads(saved.read_text())
                app, province = make_app(stored.pop("url")), Province(**stored)
            else:
                path = str(Path(args.keep) / name) if args.keep else None
                if path:
                    Path(path).mkdir(parents=True, exist_ok=True)
                url = database_url(kind, path=path, name=name)
                app = make_app(url)
                with app.app_context():
                    province = generate(scale)
                saved.write_text(json.dumps({"url": url, **dataclasses.asdict(province)}))
            made = time.perf_counter() - started
            counts = ", ".join(f"{k} {v:,}" for k, v in province.counts.items())
            print(f"\n### {kind}, scale {scale} ({counts}; generated in {made:.0f} s)\n")
            print(table(measure(app, province, args.repeats, args.only)), flush=True)


if __name__ == "__main__":
    main()
