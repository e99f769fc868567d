"""Enrolment storm: N learners enrol at the same instant in one 10-seat workshop.

    python bench/enrol_storm.py --db sqlite --clients 500 --workers 4
    python bench/enrol_storm.py --db postgresql --pg-url postgresql://postgres@127.0.0.1:5432/postgres

It makes a database (a SQLite file in a temporary folder, or a fresh PostgreSQL database that
it drops afterwards), migrates it, creates one 10-seat workshop and N learners with API
tokens, and starts gunicorn with several workers. Then N clients (asyncio, raw HTTP/1.1 over
sockets, one connection each) fire at once:

1. ``GET /healthz`` (a trivial endpoint, no database): the ceiling of this server here;
2. ``POST /api/v1/workshops/{id}/enrolment``, one per learner: the real thing.

It prints requests per second, p50/p99 latency and the status counts of each, and checks that
exactly 10 learners hold a seat and N-10 wait in arrival order, each told their true place.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Result:
    status: int
    latency: float
    body: str


async def request(port: int, raw: bytes) -> Result:
    """One request on its own connection (``Connection: close``), timed from the connect."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return Result(status, time.perf_counter() - started, body.decode(errors="replace"))
    except (OSError, IndexError, ValueError) as e:
        return Result(0, time.perf_counter() - started, repr(e))


def http(method: str, path: str, token: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if method == "POST":
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def storm(port: int, requests: list[bytes]) -> tuple[list[Result], float]:
    """Fire every request at once; the wall time from the first send to the last answer."""
    started = time.perf_counter()
    results = await asyncio.gather(*(request(port, raw) for raw in requests))
    return list(results), time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, results: list[Result], wall: float) -> dict:
    latencies = [r.latency for r in results]
    figures = {
        "name": name,
        "requests": len(results),
        "per_second": len(results) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "statuses": dict(sorted(Counter(r.status for r in results).items())),
        "errors": sum(not 200 <= r.status < 300 for r in results),
    }
    print(
        f"{name:<12} {figures['requests']:>5} requests  {figures['per_second']:8.1f} req/s  "
        f"p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms  "
        f"statuses {figures['statuses']}"
    )
    return figures


# -- the database ------------------------------------------------------------------------


@contextmanager
def database(kind: str, pg_url: str, folder: Path):
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import sqlalchemy as sa

    name = f"aula_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def prepare(url: str, instance: Path, clients: int) -> tuple[int, dict[int, str]]:
    """Migrate, then one 10-seat workshop a week ahead and ``clients`` learners with tokens."""
    from flask_migrate import upgrade

    from courses.workshops import operations
    from lms import create_app
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user, issue_token
    from lms.db import db, utcnow
    from lms.setup import MIGRATIONS

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTO_SETUP": False,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
        instance_path=str(instance),
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        trainer = create_user("trainer@bench.test", "Trainer", "bench-password", Role.trainer)
        start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        workshop = operations.create_workshop(
            trainer=trainer,
            title="Enrolment storm",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/Madrid",
            capacity=10,
        )
        tokens = {}
        for i in range(clients):
            user = create_user(f"learner{i}@bench.test", f"Learner {i}", "bench-password")
            tokens[user.id] = issue_token(user)
        db.session.commit()
        workshop_id = workshop.id
        db.engine.dispose()
    return workshop_id, tokens


def check(url: str, workshop_id: int, clients: int, told: dict[int, dict]) -> list[str]:
    """Exactly 10 seats, the rest waiting in arrival order, each told their true place."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT user_id, state, arrival FROM enrolment WHERE workshop_id = :w "
                "ORDER BY arrival"
            ),
            {"w": workshop_id},
        ).all()
        counters = conn.execute(
            sa.text("SELECT enrolled_count, waitlist_count FROM workshop WHERE id = :w"),
            {"w": workshop_id},
        ).one()
    engine.dispose()
    problems = []
    states = [state for _, state, _ in rows]
    expected = min(10, clients)
    if states != ["enrolled"] * expected + ["waitlisted"] * (clients - expected):
        problems.append(f"seats and waiting list out of order: {Counter(states)}")
    if [a for _, _, a in rows] != list(range(1, clients + 1)):
        problems.append("arrival numbers are not 1..N")
    if tuple(counters) != (expected, clients - expected):
        problems.append(f"counters {tuple(counters)} disagree with the rows")
    for user_id, state, arrival in rows:
        body = told.get(user_id, {})
        position = None if state == "enrolled" else arrival - expected
        if body.get("status") != state or body.get("waitlist_position") != position:
            problems.append(f"learner {user_id} was told {body}, holds {state} #{arrival}")
            break
    return problems


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(url: str, instance: Path, workers: int):
    port = free_port()
    env = {
        **os.environ,
        "LMS_SQLALCHEMY_DATABASE_URI": url,
        "LMS_SECRET_KEY": "bench",
        "LMS_AUTO_SETUP": "false",
        "LMS_DELIVER_IN_PROCESS": "false",  # as deployed: a separate worker sends the mail
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        f"lms:create_app(instance_path={str(instance)!r})",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- the run ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


async def run(port: int, workshop_id: int, tokens: dict[int, str], rounds: int) -> dict:
    clients = len(tokens)
    warm = [http("GET", "/healthz")] * 20 + [http("GET", f"/api/v1/workshops/{workshop_id}")] * 20
    await storm(port, warm)
    ceilings = []
    for _ in range(rounds):
        results, wall = await storm(port, [http("GET", "/healthz")] * clients)
        ceilings.append((results, wall))
    results, wall = sorted(ceilings, key=lambda c: c[1])[len(ceilings) // 2]  # the median run
    ceiling = report("healthz", results, wall)
    path = f"/api/v1/workshops/{workshop_id}/enrolment"
    users = list(tokens)
    results, wall = await storm(port, [http("POST", path, tokens[u]) for u in users])
    enrolment = report("enrolment", results, wall)
    told = {}
    for user_id, result in zip(users, results, strict=True):
        try:
            told[user_id] = json.loads(result.body)
        except ValueError:
            told[user_id] = {"error": result.body[:200]}
    return {"ceiling": ceiling, "enrolment": enrolment, "told": told}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="runs of the ceiling (median kept)")
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
            workshop_id, tokens = prepare(url, instance, args.clients)
            print(f"machine: {machine()}")
            print(f"database: {args.db}; gunicorn workers: {args.workers}; clients: {args.clients}")
            with server(url, instance, args.workers) as port:
                figures = asyncio.run(run(port, workshop_id, tokens, args.rounds))
            problems = check(url, workshop_id, args.clients, figures["told"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = figures["enrolment"]["per_second"] / figures["ceiling"]["per_second"]
    print(f"enrolment / ceiling: {ratio:.2f} (goal: 0.33 or better, zero errors)")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    errors = figures["enrolment"]["errors"] + figures["ceiling"]["errors"]
    print("invariants: " + ("held" if not problems else "BROKEN") + f"; errors: {errors}")
    return 1 if problems or errors else 0


if __name__ == "__main__":
    sys.exit(main())
