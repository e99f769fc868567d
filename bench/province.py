"""A province's data set, made through the models, for the page-cost benchmark (issue 17).

    python bench/province.py --scale 0.1 --db sqlite|postgresql [--path FILE | --name DB]

At scale 1: 50,000 learners, 200 trainers, 5,000 public workshops over two years (one past,
one to come; each with 10 seated and up to three waiting, past ones with attendance), 100
cohorts of 10 entities (three members each) following a year-long itinerary with weekly
check-ins. Everything scales with ``scale`` except the length of a cohort's year.

People, public workshops, their enrolments and attendance marks are bulk inserts of model
rows (the ORM one row at a time would take an hour at scale 1); entities, itineraries,
cohorts, admissions and mentors go through their operations, inside
``lms.notifications.operations.muted()`` so that nothing is announced. No outbox message is
written. Call :func:`generate` inside an app context on an empty, migrated database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "province"
HASH_METHOD = "pbkdf2:sha256:1000"
ZONES = ("Europe/Madrid", "Atlantic/Canary")
TOPICS = ("Web", "Marketing", "Legal", "Cloud", "Data", "Sales")
LOCALES = ("es", "ca", "gl", "")
FIRST = ("Ana", "Jordi", "Uxía", "Pau", "Marta", "Iker", "Núria", "Xoán", "Lucía", "Oriol")
LAST = ("García", "Puig", "Castro", "Soler", "Vidal", "Otero", "Ferrer", "Rey", "Mas", "Roca")
#: Seats and waiting places of every public workshop.
SEATS, MAX_WAITING = 10, 3
#: Places of the learner whose agenda is measured (issue 17: "a learner's agenda with 40").
AGENDA_PLACES = 40
MEMBERS_PER_ENTITY = 3
ENTITIES_PER_COHORT = 10
BATCH = 5000

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Province:
    """What the benchmark asks for: who signs in and which rows its pages show."""

    scale: float
    coordinator_email: str = ""
    trainer_email: str = ""
    learner_email: str = ""
    full_workshop_id: int = 0
    past_workshop_id: int = 0
    cohort_id: int = 0
    entity_id: int = 0
    feeds: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def sizes(scale: float) -> dict[str, int]:
    return {
        "learners": max(60, round(50_000 * scale)),
        "trainers": max(3, round(200 * scale)),
        "workshops": max(AGENDA_PLACES * 2, round(5_000 * scale)),
        "cohorts": max(1, round(100 * scale)),
    }


class Progress:
    """One line per stage, rewritten in place: ``stage  done/total  seconds``."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        seconds = time.perf_counter() - self.started
        end = "\n" if done >= total else ""
        print(f"\r{stage:<12} [{bar}] {done}/{total} {seconds:6.1f}s", end=end, file=sys.stderr)
        sys.stderr.flush()


def _bulk(model: type, rows: list[dict], stage: str, progress: Callable) -> None:
    import sqlalchemy as sa

    from lms.db import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start : start + BATCH])
        progress(stage, min(start + BATCH, len(rows)), len(rows))
    if not rows:
        progress(stage, 0, 0)
    db.session.commit()


def _name(n: int) -> str:
    return f"{FIRST[n % 10]} {LAST[n // 10 % 10]} {LAST[n // 100 % 10]} {n}"


def _people(n: int, role, prefix: str, progress: Callable) -> list[int]:
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from lms.accounts.models import User
    from lms.db import db

    password_hash = generate_password_hash(PASSWORD, HASH_METHOD)
    rows = [
        {
            "email": f"{prefix}{i}@province.example",
            "name": _name(i),
            "password_hash": password_hash,
            "role": role,
            "locale": LOCALES[i % len(LOCALES)],
            "timezone": ZONES[i % len(ZONES)],
        }
        for i in range(n)
    ]
    _bulk(User, rows, prefix + "s", progress)
    return list(
        db.session.scalars(
            sa.select(User.id).where(User.email.like(f"{prefix}%@province.example"))
            .order_by(User.id)
        )
    )  # fmt: skip


def _public_workshops(
    n: int, trainers: list[int], learners: list[int], now: datetime, progress: Callable
) -> tuple[list[int], list[int]]:
    """Public workshops every ~3.5 hours from a year ago to a year ahead, full, with waiting
    lists; the first learner holds AGENDA_PLACES of the coming ones. Returns (past, future)."""
    import sqlalchemy as sa

    from courses.attendance.models import AttendanceMark, AttendanceSource
    from courses.workshops.models import Attendance, Audience, Enrolment, EnrolmentState, Workshop
    from lms.db import db
    from lms.programmes.operations import default_programme

    programme_id = default_programme().id
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=365)
    step = timedelta(days=730) / n
    rows = []
    for i in range(n):
        starts = first + step * i
        starts = starts.replace(hour=9 + i % 10, minute=0, second=0, microsecond=0)
        waiting = i % (MAX_WAITING + 1)
        rows.append(
            {
                "title": f"Taller {i}: {TOPICS[i % len(TOPICS)]} para entidades y comercios",
                "description": "Un taller práctico de dos horas, con ejemplos de la provincia.",
                "topic": TOPICS[i % len(TOPICS)],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "timezone": ZONES[i % len(ZONES)],
                "capacity": SEATS,
                "enrolled_count": SEATS,
                "waitlist_count": waiting,
                "last_arrival": SEATS + waiting,
                "trainer_id": trainers[i % len(trainers)],
                "audience": Audience.public,
                "programme_id": programme_id,
            }
        )
    _bulk(Workshop, rows, "workshops", progress)
    found = db.session.execute(
        sa.select(Workshop.id, Workshop.starts_at, Workshop.trainer_id)
        .where(Workshop.audience == Audience.public)
        .order_by(Workshop.id)
    ).all()
    past = [w.id for w in found if w.starts_at < now]
    future = [w.id for w in found if w.starts_at >= now]
    agenda_learner, pool = learners[0], learners[1:]
    every = max(1, len(future) // AGENDA_PLACES)
    agenda = set(future[::every][:AGENDA_PLACES])
    enrolments = []
    for i, w in enumerate(found):
        waiting = rows[i]["waitlist_count"]
        for k in range(SEATS + waiting):
            user = agenda_learner if (k == 0 and w.id in agenda) else pool[(i * 7 + k) % len(pool)]
            seated = k < SEATS
            mark = None
            if seated and w.starts_at < now:
                mark = (Attendance.present,) * 7 + (
                    Attendance.late,
                    Attendance.absent,
                    Attendance.excused,
                )
                mark = mark[(i + k) % 10]  # fmt: skip
            enrolments.append(
                {
                    "workshop_id": w.id,
                    "user_id": user,
                    "state": EnrolmentState.enrolled if seated else EnrolmentState.waitlisted,
                    "arrival": k + 1,
                    "attendance": mark,
                }
            )
    _bulk(Enrolment, enrolments, "enrolments", progress)
    trainer_of = {w.id: w.trainer_id for w in found}
    marked = db.session.execute(
        sa.select(Enrolment.id, Enrolment.workshop_id).where(Enrolment.attendance.is_not(None))
    ).all()
    marks = [
        {
            "enrolment_id": e.id,
            "source": AttendanceSource.trainer,
            "marked_by_id": trainer_of[e.workshop_id],
        }
        for e in marked
    ]
    _bulk(AttendanceMark, marks, "attendance", progress)
    return past, future


def _steps(weeks: int) -> list[dict]:
    def step(kind, title, week, weekday, start, minutes, every=1, count=1):
        return {
            "kind": kind, "title": title, "week": week, "weekday": weekday, "start_time": start,
            "duration_minutes": minutes, "repeat_every_weeks": every, "repeat_count": count,
        }  # fmt: skip

    return [
        step("workshop", "Sesión inicial", 1, 2, "10:00", 120),
        step("diagnosis", "Diagnóstico en grupo", 1, 4, "10:00", 90),
        step("workshop", "Herramientas colaborativas libres", 3, 2, "10:00", 90),
        step("mutual-aid", "Grupo de ayuda mutua", 4, 4, "18:00", 120, 4, max(1, weeks // 4)),
        step("mentoring", "Mentoría", 2, 3, "17:00", 60, 4, max(1, weeks // 4)),
        step("check-in", "Seguimiento semanal", 1, 5, "09:30", 30, 1, weeks),
    ]


def _cohorts(
    n: int,
    weeks: int,
    learners: list[int],
    mentors: list,
    coordinator,
    today: date,
    progress: Callable,
) -> tuple[int, int]:
    """Cohorts through their operations; returns (a cohort id, an entity id) to measure."""
    import sqlalchemy as sa

    from courses.cohorts import operations as cohorts
    from courses.cohorts.models import CheckIn, CohortPlace, PlaceState, ProgressStatus
    from courses.entities import operations as entities
    from lms.accounts.models import User
    from lms.db import db

    itinerary = cohorts.create_itinerary(
        name="Itinerario provincial de digitalización", track="tools", steps=_steps(weeks)
    )
    db.session.commit()
    # Entity members come from the end of the learners, away from the agenda learner.
    members = iter(reversed(learners))
    monday = today - timedelta(days=today.weekday())
    checkins = []
    first_cohort = first_entity = 0
    statuses = [ProgressStatus.on_track] * 7 + [ProgressStatus.at_risk] * 2
    statuses.append(ProgressStatus.blocked)
    for c in range(n):
        # The first started a full year ago; the last half of it ago.
        started = monday - timedelta(weeks=weeks - (c * weeks) // (2 * n))
        cohort = cohorts.create_cohort(
            itinerary_id=itinerary.id,
            name=f"Cohorte provincial {c + 1}",
            starts_on=started,
            timezone=ZONES[0],
            referent=coordinator,
        )
        for e in range(ENTITIES_PER_COHORT):
            entity = entities.create_entity(
                name=f"Cooperativa {c + 1}.{e + 1}", kind="cooperative", sector="Servicios",
                size=3 + e,
            )  # fmt: skip
            for m in range(MEMBERS_PER_ENTITY):
                person = db.session.get(User, next(members))
                entities.add_member(entity.id, person, "referent" if m == 0 else "member")
            entities.record_diagnosis(
                entity.id, readiness=3, market=3, capacity=2, needs=["website"],
                assessed_by=coordinator,
            )  # fmt: skip
            cohorts.admit_entity(cohort.id, entity.id)
            mentor = mentors[(c * ENTITIES_PER_COHORT + e) % len(mentors)]
            cohorts.assign_mentor(cohort.id, entity.id, mentor)
            first_entity = first_entity or entity.id
        done_weeks = min(weeks, (monday - started).days // 7)
        places = db.session.scalars(
            sa.select(CohortPlace).where(
                CohortPlace.cohort_id == cohort.id, CohortPlace.state == PlaceState.admitted
            )
        )
        for place in places:
            checkins += [
                {
                    "cohort_id": cohort.id,
                    "entity_id": place.entity_id,
                    "week": week,
                    "status": statuses[(week + place.entity_id) % len(statuses)],
                    "notes": "Avanzamos con la web." if week % 3 else "",
                    "recorded_by_id": place.mentor_id,
                }
                for week in range(1, done_weeks + 1)
            ]
        first_cohort = first_cohort or cohort.id
        db.session.commit()
        progress("cohorts", c + 1, n)
    _bulk(CheckIn, checkins, "check-ins", progress)
    return first_cohort, first_entity


def generate(
    scale: float,
    *,
    weeks: int = 52,
    now: datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Province:
    """Fill the (empty, migrated) database of the current app; commits as it goes."""
    import sqlalchemy as sa
    from flask import current_app

    from courses.cohorts.models import CohortMeeting
    from courses.workshops.models import Enrolment, Workshop
    from lms.accounts.models import Role, User
    from lms.accounts.operations import create_user
    from lms.db import db
    from lms.notifications.operations import muted
    from lms.programmes.models import ProgrammeMember, ProgrammeRole
    from lms.programmes.operations import add_member, default_programme, set_admin
    from scheduler.feeds.operations import replace_token

    progress = progress or Progress()
    now = now or datetime.now(UTC)
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        raise SystemExit("The database is not empty: the province needs an empty one.")
    n = sizes(scale)
    config = current_app.config
    saved = config.get("PASSWORD_HASH_METHOD")
    config["PASSWORD_HASH_METHOD"] = HASH_METHOD
    try:
        with muted():
            coordinator = create_user(
                "coordinacion@province.example", "Coordinación provincial", PASSWORD,
                Role.coordinator, locale="es",
            )  # fmt: skip
            # One programme: the province's coordinator coordinates it (and, as the migration
            # makes an existing install's coordinators, administers the site), its trainers
            # teach.
            programme_id = default_programme().id
            add_member(programme_id, coordinator, "coordinator")
            set_admin(coordinator)
            db.session.commit()
            trainers = _people(n["trainers"], Role.trainer, "trainer", progress)
            staff = [
                {"programme_id": programme_id, "user_id": t, "role": ProgrammeRole.trainer}
                for t in trainers
            ]
            _bulk(ProgrammeMember, staff, "trainers' roles", progress)
            learners = _people(n["learners"], Role.learner, "learner", progress)
            past, _future = _public_workshops(n["workshops"], trainers, learners, now, progress)
            mentors = [db.session.get(User, t) for t in trainers]
            cohort_id, entity_id = _cohorts(
                n["cohorts"], weeks, learners, mentors, coordinator, now.date(), progress
            )
            trainer, learner = db.session.get(User, trainers[0]), db.session.get(User, learners[0])
            feeds = {
                "learner": replace_token(learner),
                "trainer": replace_token(trainer),
                "coordinator": replace_token(coordinator),
            }
            db.session.commit()
    finally:
        if saved is None:
            config.pop("PASSWORD_HASH_METHOD", None)
        else:
            config["PASSWORD_HASH_METHOD"] = saved
    full = db.session.scalar(
        sa.select(Workshop.id)
        .where(Workshop.starts_at >= now, Workshop.waitlist_count > 0, Workshop.cohort_id.is_(None))
        .order_by(Workshop.starts_at)
        .limit(1)
    )

    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    return Province(
        scale=scale,
        coordinator_email=coordinator.email,
        trainer_email=trainer.email,
        learner_email=learner.email,
        full_workshop_id=full or 0,
        past_workshop_id=past[-1],
        cohort_id=cohort_id,
        entity_id=entity_id,
        feeds=feeds,
        counts={
            "people": count(User),
            "workshops": count(Workshop),
            "cohort meetings": count(CohortMeeting),
            "enrolments": count(Enrolment),
        },
    )


# The command line -------------------------------------------------------------------------


def database_url(kind: str, *, path: str | None = None, name: str | None = None) -> str:
    """A fresh database: a new SQLite file, or a PostgreSQL database (re)made on the server of
    ``LMS_BENCH_DATABASE_URL`` (default: the local one)."""
    if kind == "sqlite":
        target = Path(path or tempfile.mkdtemp(prefix="province-")) / "province.sqlite3"
        target.unlink(missing_ok=True)
        return f"sqlite:///{target}"
    import sqlalchemy as sa

    server = os.environ.get("LMS_BENCH_DATABASE_URL", DEFAULT_PG)
    name = name or "aula_province"
    admin = sa.create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def make_app(url: str, instance: str | None = None):
    """The app on ``url``, migrated as in production, without demo or rate limits."""
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "LOAD_DEMO_WHEN_EMPTY": False,
            "PASSWORD_HASH_METHOD": HASH_METHOD,
            "BASE_URL": "https://aula.example.org",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            # A deploy runs the worker on its own: no delivery thread in the measured process.
            "DELIVER_IN_PROCESS": False,
        },
        instance_path=instance or tempfile.mkdtemp(prefix="province-instance-"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--path", help="folder for the SQLite file (default: a new temp one)")
    parser.add_argument("--name", help="PostgreSQL database name (dropped and made again)")
    parser.add_argument("--weeks", type=int, default=52, help="length of a cohort's itinerary")
    args = parser.parse_args()
    url = database_url(args.db, path=args.path, name=args.name)
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        province = generate(args.scale, weeks=args.weeks)
    print(f"{url}  ({time.perf_counter() - started:.0f} s)")
    for key, value in province.counts.items():
        print(f"  {key}: {value:,}")


if __name__ == "__main__":
    main()
