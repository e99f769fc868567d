"""What admitting an entity to a year-long cohort writes, and how long it holds the cohort's
lock (issue 18, "one digest instead of a flood").

    python bench/cohort_digest.py [--rounds 5] [--db sqlite|postgresql] [--pg-url URL] [--muted]

Each round opens a cohort of a year's itinerary (41 meetings for each member of an admitted
entity: 12 cohort-wide workshops, 26 check-ins and 3 mentoring meetings of its own), then
admits an entity of three members, then removes it. For each it prints the outbox messages
written, the e-mails they make once rendered (one per message), the VEVENTs they carry, and
the median time from the operation's start (it begins by locking the cohort's row) to the end
of its commit: the time the lock is held. Nothing is delivered. ``--muted`` runs the same
operations with nobody told (``lms.notifications.operations.muted``): the lock's floor, the
time the schedule alone takes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

YEAR = [
    {"kind": "workshop", "title": "Taller mensual", "week": 1, "weekday": 2,
     "start_time": "10:00", "duration_minutes": 90, "repeat_every_weeks": 4, "repeat_count": 12},
    {"kind": "check-in", "title": "Seguiment", "week": 1, "weekday": 5,
     "start_time": "09:30", "duration_minutes": 30, "repeat_every_weeks": 2, "repeat_count": 26},
    {"kind": "mentoring", "title": "Mentoria", "week": 2, "weekday": 3,
     "start_time": "17:00", "duration_minutes": 60, "repeat_every_weeks": 17, "repeat_count": 3},
]  # fmt: skip


def _app(url: str, instance: Path):
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTO_SETUP": False,
            "SECRET_KEY": "bench",
            "DELIVER_IN_PROCESS": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "BASE_URL": "http://aula.test",
        },
        instance_path=str(instance),
    )


def _written(since: int) -> tuple[int, int]:
    """(messages written after id ``since``, VEVENTs in their invitations)."""
    import sqlalchemy as sa

    from lms.db import db
    from lms.notifications.models import OutboxMessage
    from lms.notifications.operations import outgoing

    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > since)).all()
    return len(rows), sum(outgoing(m).calendar.count("BEGIN:VEVENT") for m in rows)


def _last_id() -> int:
    import sqlalchemy as sa

    from lms.db import db
    from lms.notifications.models import OutboxMessage

    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def run(url: str, instance: Path, rounds: int, quiet: bool) -> dict[str, tuple[int, int, float]]:
    from contextlib import nullcontext

    from flask_migrate import upgrade

    from courses.cohorts import operations as cohorts
    from courses.entities import operations as entities
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user
    from lms.db import db
    from lms.notifications.operations import muted
    from lms.setup import MIGRATIONS

    app = _app(url, instance)
    figures: dict[str, list] = {"admit": [], "remove": []}
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        office = create_user("office@aula.test", "Oficina", "bench-pass", Role.coordinator)
        itinerary = cohorts.create_itinerary(name="Un any", steps=YEAR)
        db.session.commit()
        start = date.today() + timedelta(days=7 - date.today().weekday())
        for r in range(rounds):
            cohort = cohorts.create_cohort(
                itinerary_id=itinerary.id,
                name=f"Cohort {r}",
                starts_on=start,
                timezone="Europe/Madrid",
                referent=db.session.merge(office),
            )
            entity = entities.create_entity(name=f"Coop {r}", kind="cooperative")
            for m in range(3):
                person = create_user(
                    f"p{r}-{m}@aula.test", f"Persona {m}", "bench-pass", Role.learner, locale="es"
                )
                entities.add_member(entity.id, person, "referent" if m == 0 else "member")
            db.session.commit()
            for name, operation in (
                ("admit", cohorts.admit_entity),
                ("remove", cohorts.remove_entity),
            ):
                since = _last_id()
                db.session.commit()
                db.session.expire_all()
                began = time.perf_counter()
                with muted() if quiet else nullcontext():
                    operation(cohort.id, entity.id)
                db.session.commit()
                held = time.perf_counter() - began
                messages, events = _written(since)
                figures[name].append((messages, events, held))
                db.session.rollback()
        db.engine.dispose()
    return {
        name: (rows[-1][0], rows[-1][1], statistics.median(r[2] for r in rows) * 1000)
        for name, rows in figures.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--muted", action="store_true", help="tell nobody: the floor")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aula-digest-"))
    if args.db == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        figures = run(url, folder / "instance", args.rounds, args.muted)
    else:
        import sqlalchemy as sa

        name = f"aula_digest_{int(time.time())}"
        admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = args.pg_url.rsplit("/", 1)[0] + f"/{name}"
            figures = run(url, folder / "instance", args.rounds, args.muted)
        finally:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    quiet = ", muted" if args.muted else ""
    print(f"{args.db}{quiet}, entity of 3 members, 41 meetings each, median of {args.rounds}:")
    print("operation  messages  VEVENTs  cohort lock held (ms)")
    for name, (messages, events, held) in figures.items():
        print(f"{name:9}  {messages:8}  {events:7}  {held:10.1f}")


if __name__ == "__main__":
    main()
