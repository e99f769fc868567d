"""The demo: two programmes on one Aula, each with its own coordinator.

- **Smartpeme Pontevedra** (Galician): the first week of online workshops of Pontevedra's
  Smartpeme programme (shared/seeds/000), placed in the coming week so that it can be tried at
  once, and two earlier weeks already held (enrolments, room joins and attendance marked) so
  that the coordinators' report has figures and charts; its advice desk (advice/demo.py);
- **Bootcamp ESS** (Catalan): the social-economy office's bootcamp cohort (cohorts/demo.py).

A site administrator (``admin@aula.example``) sees both."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import Role, User
from lms.accounts.operations import create_user
from lms.accounts.queries import user_by_email
from lms.db import db, utcnow
from lms.programmes.operations import add_member, ensure_programme, join, set_admin
from lms.signals import demo_requested

from .attendance import operations as attendance
from .cohorts.models import Cohort
from .workshops import operations
from .workshops.models import Attendance, Workshop

ZONE = "Europe/Madrid"
PASSWORD = "aula-demo"
#: (slug, name, language): the demo's two programmes.
PONTEVEDRA = ("smartpeme-pontevedra", "Smartpeme Pontevedra", "gl")
ESS = ("bootcamp-ess", "Bootcamp ESS · Oficina Tècnica", "ca")
ADMIN = ("admin@aula.example", "Admin Aula")
COORDINATOR = ("coordinacion@aula.example", "Xiana Coordinadora", Role.coordinator)
TRAINER = ("formadora@aula.example", "Uxía Formadora", Role.trainer)
LEARNERS = [
    ("ana@aula.example", "Ana Barreiro (Panadería Barreiro)"),
    ("brais@aula.example", "Brais Otero (Talleres Otero)"),
    ("carme@aula.example", "Carme Lois (Librería Lois)"),
    ("diego@aula.example", "Diego Fariña (Bodegas Fariña)"),
    ("elena@aula.example", "Elena Souto (Souto Deseño)"),
    ("fran@aula.example", "Fran Rial (Rial Informática)"),
    ("gloria@aula.example", "Gloria Vidal (Floristería Vidal)"),
    ("hugo@aula.example", "Hugo Castro (Castro Asesores)"),
    ("iria@aula.example", "Iria Méndez (Méndez Moda)"),
    ("xoan@aula.example", "Xoán Pazos (Conservas Pazos)"),
    ("laura@aula.example", "Laura Piñeiro (Piñeiro Turismo)"),
    ("manuel@aula.example", "Manuel Estévez (Ferretería Estévez)"),
    ("noa@aula.example", "Noa Gil (Cooperativa Mar de Arousa)"),
]
#: (weekday, start hour, title, topic, description)
WEEK = [
    (
        1,
        12,
        "Cómo mejorar el footer de tu web",
        "Web",
        "Qué poner al pie de tu página para que te encuentren, te contacten y confíen en ti.",
    ),
    (
        2,
        12,
        "Marketing de contenidos: aprende a diferenciarte de la competencia",
        "Marketing",
        "Cómo contar lo que haces mejor que nadie, con contenidos que atraen clientes.",
    ),
    (
        3,
        18,
        "Aspectos legales que toda página web debe tener",
        "Legal",
        "Aviso legal, privacidad, cookies y condiciones de venta, explicados sin jerga.",
    ),
    (
        4,
        12,
        "Promueve tu empresa a través de los stories de Instagram",
        "Redes sociales",
        "Ideas y herramientas para que tus stories vendan.",
    ),
]


def next_week_day(weekday: int, today: date | None = None) -> date:
    """The date of ``weekday`` (0 = Monday) in the week after ``today``."""
    today = today or date.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    return monday + timedelta(days=weekday)


#: Weeks already held: (weeks before the current one, weekday, hour, title, topic,
#: description, how many learners asked for a seat, {learner index: mark other than present}).
#: Everyone seated and not listed came on time; "late" joined the room twenty minutes late.
PAST = [
    (
        2,
        1,
        12,
        "Herramientas de teletrabajo para tu pequeña empresa",
        "Teletrabajo",
        "Correo, videollamadas y documentos compartidos para seguir trabajando desde casa.",
        13,
        {2: "late", 6: "absent"},
    ),
    (
        2,
        3,
        12,
        "WhatsApp Business: atiende a tus clientes",
        "Redes sociales",
        "Catálogo, respuestas rápidas y etiquetas para atender mejor por WhatsApp.",
        7,
        {1: "excused", 4: "absent"},
    ),
    (
        1,
        1,
        12,
        "Servicios en la nube: tus archivos, siempre a mano",
        "Nube",
        "Guardar, compartir y proteger los documentos de tu negocio en la nube.",
        12,
        {0: "late", 3: "absent", 8: "absent"},
    ),
    (
        1,
        2,
        18,
        "Diseño gráfico sin ser diseñador",
        "Diseño",
        "Herramientas gratuitas para crear carteles y publicaciones con buen aspecto.",
        6,
        {5: "absent"},
    ),
    (
        1,
        4,
        12,
        "Trabajo en equipo en línea",
        "Teletrabajo",
        "Tareas, calendarios y documentos compartidos para un equipo a distancia.",
        9,
        {7: "excused"},
    ),
]


def past_week_day(weeks_ago: int, weekday: int, today: date | None = None) -> date:
    """The date of ``weekday`` (0 = Monday) ``weeks_ago`` weeks before the current week."""
    today = today or date.today()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago) + timedelta(days=weekday)


def programme(which: tuple[str, str, str]) -> int:
    """The id of one of the demo's programmes (made when missing)."""
    slug, name, locale = which
    return ensure_programme(slug, name, locale=locale, timezone=ZONE).id


def load_demo(_sender: Flask | None = None, **_kwargs) -> None:
    """Load what is missing of the demo: the programmes and their site administrator, the
    coming week, the weeks already held, the cohort, the advice desk."""
    from .advice.demo import load_advice_demo
    from .cohorts.demo import load_cohort_demo

    pontevedra = programme(PONTEVEDRA)
    programme(ESS)
    if user_by_email(ADMIN[0]) is None:
        admin = create_user(ADMIN[0], ADMIN[1], PASSWORD, Role.coordinator, timezone=ZONE)
        set_admin(admin)
    if user_by_email(COORDINATOR[0]) is None:
        _load_coming_week(pontevedra)
    if db.session.scalar(sa.select(Workshop.id).where(Workshop.title == PAST[0][3])) is None:
        _load_past_weeks(pontevedra)
    cohort = load_cohort_demo(programme_id=programme(ESS))
    if cohort is not None:
        _hold_cohort_start(cohort)
    load_advice_demo(programme_id=pontevedra)


def _loaded(email: str) -> User:
    """A person the coming week's part of the demo made."""
    user = user_by_email(email)
    if user is None:
        raise RuntimeError(f"the demo's {email} is missing")
    return user


def _load_past_weeks(programme_id: int) -> None:
    trainer = _loaded(TRAINER[0])
    learners = [_loaded(email) for email, _name in LEARNERS]
    zone = ZoneInfo(ZONE)
    for weeks_ago, weekday, hour, title, topic, description, asked, marks in PAST:
        day = past_week_day(weeks_ago, weekday)
        starts_at = datetime.combine(day, time(hour), zone)
        workshop = operations.create_workshop(
            programme_id=programme_id,
            trainer=trainer,
            title=title,
            description=description,
            topic=topic,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            timezone=ZONE,
        )
        seated = []
        for learner in learners[:asked]:
            if operations.enrol_for_demo(workshop.id, learner).state.value == "enrolled":
                seated.append(learner)
        _hold(workshop, seated, marks, trainer)


def _hold_cohort_start(cohort: Cohort) -> None:
    """The demo cohort started this week, its entities there from the first meeting: the
    cohort-wide meetings already over get their members, who joined and were marked (one
    absent each time), as the office would have recorded it."""
    from .cohorts import queries as cohort_queries

    now = utcnow()
    members = [
        m.user
        for place in cohort_queries.places(cohort.id)
        if place.is_admitted
        for m in sorted(place.entity.memberships, key=lambda m: m.user_id)
    ]
    for meeting in cohort_queries.meetings(cohort.id, entity_ids=set()):
        workshop = meeting.workshop
        if workshop.is_cancelled or workshop.ends_at + timedelta(minutes=5) > now:
            continue
        seated = [
            person
            for person in members
            if operations.enrol_for_demo(workshop.id, person).state.value == "enrolled"
        ]
        _hold(workshop, seated, {len(seated) - 1: "absent"} if seated else {}, cohort.referent)


def _hold(workshop: Workshop, seated: list, marks: dict[int, str], trainer) -> None:
    """The session took place: people joined the room, the trainer took attendance after."""
    for i, learner in enumerate(seated):
        mark = marks.get(i, "present")
        if mark in ("present", "late"):
            delay = timedelta(minutes=20 if mark == "late" else 2)
            attendance.record_join(workshop.id, learner.id, at=workshop.starts_at + delay)
    after = workshop.ends_at + timedelta(minutes=5)
    attendance.mark_all_present(workshop.id, by=trainer, now=after)
    exceptions = {seated[i].id: Attendance(m) for i, m in marks.items() if m != "present"}
    attendance.mark_many(workshop.id, exceptions, by=trainer, now=after)


def _load_coming_week(programme_id: int) -> None:
    """Pontevedra's people speak Galician: their pages, mail and calendars are in gl."""
    people = {}
    for email, name, role in (COORDINATOR, TRAINER):
        people[email] = create_user(email, name, PASSWORD, role, locale="gl", timezone=ZONE)
        add_member(programme_id, people[email], role.value)
    learners = [
        create_user(email, name, PASSWORD, Role.learner, locale="gl", timezone=ZONE)
        for email, name in LEARNERS
    ]
    for learner in learners:
        join(programme_id, learner)
    zone = ZoneInfo(ZONE)
    workshops = []
    for weekday, hour, title, topic, description in WEEK:
        day = next_week_day(weekday)
        workshops.append(
            operations.create_workshop(
                programme_id=programme_id,
                trainer=people[TRAINER[0]],
                title=title,
                description=description,
                topic=topic,
                starts_at=datetime.combine(day, time(hour), zone),
                ends_at=datetime.combine(day, time(hour + 1), zone),
                timezone=ZONE,
            )
        )
    # The first workshop filled at once and needed a waiting list, as in the programme.
    for learner in learners:
        operations.enrol(workshops[0].id, learner)
    for learner in learners[:4]:
        operations.enrol(workshops[1].id, learner)
    for learner in learners[4:7]:
        operations.enrol(workshops[3].id, learner)


def init_app(app: Flask) -> None:
    demo_requested.connect(load_demo, weak=False)
