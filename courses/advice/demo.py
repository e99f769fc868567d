"""The demo advice desk: Trenque Lauquen's "virtual clinic" of four consultation spaces by
topic (shared/seeds/004), staffed like Smartpeme's remote advice (shared/seeds/000): advisors
with weekly hours, requests routed to them, consultations booked, a referral to a second
topic and one request waiting for a coordinator."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import Role, User
from lms.accounts.operations import create_user
from lms.accounts.queries import user_by_email
from lms.db import db, utcnow

from ..entities.models import Entity
from . import operations, queries
from .models import NeedLevel, Topic

ZONE = "Europe/Madrid"
PASSWORD = "aula-demo"
ADVISORS = [
    ("asesora.comercio@aula.example", "Antía Comercio (asesora)"),
    ("asesor.nube@aula.example", "Roi Nube (asesor)"),
    ("asesora.redes@aula.example", "Sabela Redes (asesora)"),
]
#: (names es/ca/gl/en, advisor indexes)
TOPICS = [
    (("Comercio electrónico", "Comerç electrònic", "Comercio electrónico", "Online shops"), [0]),
    (
        (
            "Teletrabajo y nube",
            "Teletreball i núvol",
            "Teletraballo e nube",
            "Remote work and the cloud",
        ),
        [1],
    ),
    (
        (
            "Redes sociales y marketing",
            "Xarxes socials i màrqueting",
            "Redes sociais e márketing",
            "Social media and marketing",
        ),
        [2, 0],
    ),
    (
        (
            "Aspectos legales y ayudas",
            "Aspectes legals i ajuts",
            "Aspectos legais e axudas",
            "Legal matters and grants",
        ),
        [],
    ),
]
MORNINGS = [(day, "09:30", "13:30") for day in range(1, 6)]
#: (learner e-mail, topic index, what they want, urgency, book the n-th free slot or None)
REQUESTS = [
    ("ana@aula.example", 0, "Quiero vender pan por encargo en internet.", "high", 0),
    (
        "brais@aula.example",
        1,
        "Necesito compartir presupuestos con mi socio desde casa.",
        "normal",
        1,
    ),
    (
        "carme@aula.example",
        2,
        "¿Cómo anuncio las novedades de la librería en Instagram?",
        "normal",
        None,
    ),
    ("diego@aula.example", 0, "Tenemos tienda online pero casi no vende.", "high", 2),
    ("gloria@aula.example", 3, "¿Qué ayudas hay para digitalizar la floristería?", "low", None),
]
NEED_LEVELS = {0: NeedLevel.first, 1: NeedLevel.second, 2: NeedLevel.third}


def load_advice_demo(programme_id: int | None = None) -> None:
    """Idempotent: does nothing once the demo's first topic exists. The desk belongs to
    ``programme_id`` (Smartpeme Pontevedra's in the demo); its advisors speak Galician."""
    if db.session.scalar(sa.select(Topic.id).where(Topic.name_es == TOPICS[0][0][0])):
        return
    # The demo's accounts share a published password: a light hash, as the cohort demo's.
    config = current_app.config
    saved = config.get("PASSWORD_HASH_METHOD")
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    try:
        _load(programme_id)
    finally:
        if saved is None:
            config.pop("PASSWORD_HASH_METHOD", None)
        else:
            config["PASSWORD_HASH_METHOD"] = saved


def _load(programme_id: int | None) -> None:
    advisors = [_advisor(email, name) for email, name in ADVISORS]
    topics = []
    for names, indexes in TOPICS:
        topic = operations.create_topic(
            names=dict(zip(("es", "ca", "gl", "en"), names, strict=True)),
            advisor_ids=[advisors[i].id for i in indexes],
            programme_id=programme_id,
        )
        topics.append(topic)
    cases = []
    for email, topic_index, need, urgency, slot in REQUESTS:
        person = user_by_email(email)
        if person is None:
            continue
        case = operations.create_request(
            person, topic_id=topics[topic_index].id, need=need, consent=True, urgency=urgency
        )
        cases.append(case)
        if slot is not None and case.advisor is not None:
            now = utcnow()
            free = queries.free_slots(case.advisor, now, now + timedelta(days=14))
            operations.book(case.id, free[slot * 3].starts_at)
    # The online-shop consultation found a legal question: referred to that topic.
    operations.add_note(cases[0].id, advisors[0], "Tiene web; falta el aviso legal y la pasarela.")
    operations.refer(cases[0].id, topics[3].id, "Revisar aviso legal y condiciones de venta.")
    entities = db.session.scalars(sa.select(Entity).order_by(Entity.id).limit(3)).all()
    for n, entity in enumerate(entities):
        operations.set_need_level(entity.id, NEED_LEVELS[n])


def _advisor(email: str, name: str) -> User:
    person = user_by_email(email) or create_user(
        email, name, PASSWORD, Role.trainer, locale="gl", timezone=ZONE
    )
    operations.set_hours(person.id, timezone=ZONE, slot_minutes=45, weekly=MORNINGS)
    return person
