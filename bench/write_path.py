"""The write path: enrolment (web form and API) against a one-route Flask app, in one run.

    python bench/write_path.py                       # SQLite and PostgreSQL
    python bench/write_path.py --db sqlite --seconds 10
    python bench/write_path.py --app-root /tmp/aula-main   # serve another checkout (before/after)

For each database it makes a fresh one (a SQLite file in a temporary folder, or a new
PostgreSQL database dropped afterwards), migrates it and fills it: fresh 10-seat workshops for
each scenario to walk, and one learner per connection (signed in over HTTP for the web form,
with its session cookie and CSRF token; an API bearer token for the API). Then, with the same
gunicorn command (``--workers`` sync workers) and the same environment, it serves

1. ``bench/one_route.py``: a Flask app with one route that answers 201 (the ceiling);
2. Aula: ``POST /workshops/<id>/enrol`` (the web form: session, CSRF, flash, 303), then
   ``POST /api/v1/workshops/<id>/enrolment`` (bearer token, JSON, 201);

and drives ``--connections`` concurrent clients for ``--seconds`` each (asyncio, raw
HTTP/1.1, one request per connection as gunicorn's sync workers do). Every client walks the
same list of workshops in order, so each workshop is contended by all of them (10 seated, the
rest waiting). It prints req/s, p50 and p99 latency, the statuses, and the ratio of each
enrolment scenario to the one-route app; then checks that no workshop holds more than 10 and
that its counters agree with its rows.

Then, in-process, it measures how long withdraw-and-promote and a reschedule hold their lock on
a full workshop (10 seated and ``--waiting`` waiting; each reschedule tells all of them): the
time from the operation's start (it begins by taking the lock) to the end of its commit.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from enrol_storm import database, free_port, machine, percentile  # noqa: E402

SEATS = 10
OK = {200, 201, 303}


@dataclass
class Figures:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    wall: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in OK)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000 if self.latencies else 0.0


# -- the client ---------------------------------------------------------------------------


async def _one(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
        writer.close()
        status = int(data.split(b" ", 2)[1])
    except (OSError, IndexError, ValueError):
        status = 0
    return status, time.perf_counter() - started


async def _drive(port: int, walks: list[list[bytes]], seconds: float, name: str) -> Figures:
    """One client per walk, each sending its requests in order until the time is up."""
    figures = Figures(name)
    deadline = time.perf_counter() + seconds
    ran_out = []

    async def client(walk: list[bytes]) -> None:
        for raw in walk:
            if time.perf_counter() >= deadline:
                return
            status, latency = await _one(port, raw)
            figures.statuses[status] += 1
            figures.latencies.append(latency)
        ran_out.append(True)

    started = time.perf_counter()
    await asyncio.gather(*(client(w) for w in walks))
    figures.wall = time.perf_counter() - started
    if ran_out:
        print(f"  note: {len(ran_out)} clients of {name} walked every workshop before the end")
    return figures


def drive(port: int, walks: list[list[bytes]], seconds: float, name: str) -> Figures:
    asyncio.run(_drive(port, [w[:20] for w in walks], min(seconds, 1.0), "warm-up"))
    return asyncio.run(_drive(port, [w[20:] for w in walks], seconds, name))


def raw_post(path: str, *, headers: dict[str, str] | None = None, body: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


# -- the servers --------------------------------------------------------------------------


@contextmanager
def gunicorn(spec: str, cwd: Path, env: dict[str, str], workers: int, port: int):
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", spec,
    ]  # fmt: skip
    proc = subprocess.Popen(command, cwd=cwd, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {spec}")
            time.sleep(0.1)
        time.sleep(0.5)  # let every worker finish booting
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_env(url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "LMS_SQLALCHEMY_DATABASE_URI": url,
        "LMS_SECRET_KEY": "bench",
        "LMS_AUTO_SETUP": "false",
        "LMS_DELIVER_IN_PROCESS": "false",  # as deployed: a separate worker sends the mail
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_SIGN_IN_RATE_LIMIT": "100000 per minute",  # the bench signs in from one address
    }


# -- the data -----------------------------------------------------------------------------


def make_app(url: str, instance: Path):
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTO_SETUP": False,
            "SECRET_KEY": "bench",
            "DELIVER_IN_PROCESS": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
        instance_path=str(instance),
    )


def prepare(app, connections: int, walk: int, waiting: int) -> dict:
    """Workshops for each scenario to walk, learners for the clients and the lock figures."""
    from flask_migrate import upgrade

    from courses.workshops import operations
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user, issue_token
    from lms.db import db, utcnow
    from lms.setup import MIGRATIONS

    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        trainer = create_user("trainer@bench.test", "Trainer", "bench-password", Role.trainer)
        start = (utcnow() + timedelta(days=7)).replace(microsecond=0)

        def workshops(n: int, title: str) -> list[int]:
            made = [
                operations.create_workshop(
                    trainer=trainer,
                    title=f"{title} {i}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    timezone="Europe/Madrid",
                    capacity=SEATS,
                )
                for i in range(n)
            ]
            db.session.commit()
            return [w.id for w in made]

        def learners(n: int, prefix: str) -> list:
            made = [
                create_user(f"{prefix}{i}@bench.test", f"Learner {prefix}{i}", "bench-password")
                for i in range(n)
            ]
            db.session.commit()
            return made

        data = {
            "web_workshops": workshops(walk, "Web"),
            "api_workshops": workshops(walk, "API"),
            "web_learners": [u.email for u in learners(connections, "web")],
            "api_tokens": [issue_token(u) for u in learners(connections, "api")],
            "lock_learners": [u.id for u in learners(SEATS + waiting, "lock")],
            "trainer_id": trainer.id,
        }
        db.session.commit()
        db.engine.dispose()
    return data


def sign_in(port: int, email: str) -> tuple[str, str]:
    """The session cookie and CSRF token of a learner signed in through the real form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/sign-in")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    csrf = token.group(1)
    body = urlencode({"csrf_token": csrf, "email": email, "password": "bench-password"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/sign-in",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookies['session'].value}",
        },
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in of {email} answered {response.status}")
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return cookies["session"].value, csrf


def check(url: str, workshop_ids: list[int]) -> list[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    problems = []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT w.id, w.enrolled_count, w.waitlist_count,"
                " (SELECT count(*) FROM enrolment e WHERE e.workshop_id = w.id"
                "  AND e.state = 'enrolled'),"
                " (SELECT count(*) FROM enrolment e WHERE e.workshop_id = w.id"
                "  AND e.state = 'waitlisted')"
                " FROM workshop w"
            )
        ).all()
    engine.dispose()
    wanted = set(workshop_ids)
    for wid, enrolled, waiting, real_enrolled, real_waiting in rows:
        if wid not in wanted:
            continue
        if real_enrolled > SEATS or (enrolled, waiting) != (real_enrolled, real_waiting):
            problems.append(f"workshop {wid}: counters {enrolled}/{waiting}, rows "
                            f"{real_enrolled}/{real_waiting}")  # fmt: skip
        elif real_waiting and real_enrolled < SEATS:
            problems.append(f"workshop {wid}: {real_waiting} wait beside a free seat")
    return problems


# -- the lock -----------------------------------------------------------------------------


def lock_holds(app, data: dict, waiting_sizes: list[int], rounds: int) -> list[tuple]:
    """Median time (ms) from the start of withdraw-and-promote and of a reschedule to the end
    of their commit, on a workshop of 10 seated and ``waiting`` waiting."""
    from courses.workshops import operations
    from lms.accounts.models import User
    from lms.db import db, utcnow
    from lms.notifications.operations import muted

    results = []
    with app.app_context():
        trainer = db.session.get(User, data["trainer_id"])
        for waiting in waiting_sizes:
            withdraws, reschedules = [], []
            for r in range(rounds):
                start = (utcnow() + timedelta(days=9)).replace(microsecond=0)
                with muted():
                    workshop = operations.create_workshop(
                        trainer=trainer,
                        title=f"Full {waiting} {r}",
                        starts_at=start,
                        ends_at=start + timedelta(hours=1),
                        timezone="Europe/Madrid",
                        capacity=SEATS,
                    )
                    people = db.session.scalars(
                        db.select(User).where(User.id.in_(data["lock_learners"][: SEATS + waiting]))
                    ).all()
                    for person in people:
                        operations.enrol(workshop.id, person)
                    db.session.commit()
                wid, first = workshop.id, data["lock_learners"][0]
                db.session.expire_all()
                began = time.perf_counter()
                operations.withdraw(wid, first)
                db.session.commit()
                withdraws.append(time.perf_counter() - began)
                later = start + timedelta(days=1)
                db.session.expire_all()
                began = time.perf_counter()
                operations.update_workshop(wid, starts_at=later, ends_at=later + timedelta(hours=1))
                db.session.commit()
                reschedules.append(time.perf_counter() - began)
            told = SEATS + waiting - 1
            results.append(
                (
                    waiting,
                    told,
                    statistics.median(withdraws) * 1000,
                    statistics.median(reschedules) * 1000,
                )
            )
        db.engine.dispose()
    return results


# -- the run ------------------------------------------------------------------------------


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_database(kind: str, args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="aula-writepath-"))
    try:
        with database(kind, args.pg_url, folder) as url:
            instance = folder / "instance"
            app = make_app(url, instance)
            data = prepare(app, args.connections, args.walk, max(args.waiting))
            port = free_port()
            env = server_env(url, port)
            figures = []
            print(f"\n{kind}: load average before {load()}")
            with gunicorn("bench.one_route:app", ROOT, env, args.workers, port):
                walks = [[raw_post("/enrol")] * (args.walk + 20)] * args.connections
                figures.append(drive(port, walks, args.seconds, "one-route"))
            with gunicorn(
                f"lms:create_app(instance_path={str(instance)!r})",
                args.app_root,
                env,
                args.workers,
                port,
            ):
                web = []
                for email in data["web_learners"]:
                    cookie, csrf = sign_in(port, email)
                    headers = {
                        "Cookie": f"session={cookie}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    }
                    body = urlencode({"csrf_token": csrf})
                    web.append(
                        [
                            raw_post(f"/workshops/{w}/enrol", headers=headers, body=body)
                            for w in data["web_workshops"]
                        ]
                    )
                figures.append(drive(port, web, args.seconds, "web form"))
                api = [
                    [
                        raw_post(
                            f"/api/v1/workshops/{w}/enrolment",
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        for w in data["api_workshops"]
                    ]
                    for token in data["api_tokens"]
                ]
                figures.append(drive(port, api, args.seconds, "API"))
            print(f"{kind}: load average after {load()}")
            problems = check(url, data["web_workshops"] + data["api_workshops"])
            holds = [] if args.no_locks else lock_holds(app, data, args.waiting, args.rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"figures": figures, "problems": problems, "holds": holds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--walk", type=int, default=400, help="workshops per scenario")
    parser.add_argument("--waiting", type=int, nargs="+", default=[5, 40, 190])
    parser.add_argument("--rounds", type=int, default=5, help="of each lock measure")
    parser.add_argument("--no-locks", action="store_true")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout served")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "LMS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    args.app_root = args.app_root.resolve()
    sys.path.insert(0, str(args.app_root))
    commit = subprocess.run(
        ["git", "-C", str(args.app_root), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    ).stdout.strip() or "?"  # fmt: skip
    print(f"machine: {machine()}")
    print(f"serving {args.app_root} ({commit}); gunicorn {args.workers} sync workers; "
          f"{args.connections} connections, {args.seconds:g} s per scenario")  # fmt: skip
    failed = False
    for kind in args.db:
        result = run_database(kind, args)
        ceiling = result["figures"][0].per_second
        print(f"{'database':<11}{'served':<11}{'requests':>9}{'req/s':>9}{'p50 ms':>9}"
              f"{'p99 ms':>9}{'ratio':>7}  statuses")  # fmt: skip
        for f in result["figures"]:
            ratio = f.per_second / ceiling if ceiling else 0
            statuses = dict(sorted(f.statuses.items()))
            print(f"{kind:<11}{f.name:<11}{len(f.latencies):>9}{f.per_second:>9.1f}"
                  f"{f.p(50):>9.1f}{f.p(99):>9.1f}{ratio:>7.2f}  {statuses}")  # fmt: skip
            failed |= f.errors > 0
        for problem in result["problems"]:
            print(f"PROBLEM: {problem}")
        failed |= bool(result["problems"])
        if result["holds"]:
            print("lock held, median ms:  waiting  told by reschedule  withdraw+promote  "
                  "reschedule")  # fmt: skip
            for waiting, told, withdraw, reschedule in result["holds"]:
                print(f"{'':<22}{waiting:>8}{told:>20}{withdraw:>18.1f}{reschedule:>12.1f}")
        print(f"{kind}: invariants " + ("BROKEN" if result["problems"] else "held"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
