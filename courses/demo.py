"""The demo programme: the first week of online workshops of Pontevedra's Smartpeme programme
(shared/seeds/000), placed in the coming week so that it can be tried at once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from lms.accounts.models import Role
from lms.accounts.operations import create_user
from lms.accounts.queries import user_by_email
from lms.signals import demo_requested

from .workshops import operations

ZONE = "Europe/Madrid"
PASSWORD = "aula-demo"
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


def load_demo(_sender: Flask | None = None, **_kwargs) -> None:
    from .cohorts.demo import load_cohort_demo

    if user_by_email(COORDINATOR[0]) is not None:
        load_cohort_demo()  # idempotent; adds the cohort to a demo loaded before it existed
        return
    people = {}
    for email, name, role in (COORDINATOR, TRAINER):
        people[email] = create_user(email, name, PASSWORD, role, locale="es", timezone=ZONE)
    learners = [
        create_user(email, name, PASSWORD, Role.learner, timezone=ZONE) for email, name in LEARNERS
    ]
    zone = ZoneInfo(ZONE)
    workshops = []
    for weekday, hour, title, topic, description in WEEK:
        day = next_week_day(weekday)
        workshops.append(
            operations.create_workshop(
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
    load_cohort_demo()


def init_app(app: Flask) -> None:
    demo_requested.connect(load_demo, weak=False)
