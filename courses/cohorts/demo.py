"""The demo cohort: the Catalan social-economy office's bootcamp (shared/seeds/003): ten
entities following one itinerary together for a year, mentors from the local digital
cooperatives, weekly check-ins and a mutual-aid meeting every four weeks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import Role
from lms.accounts.operations import create_user
from lms.accounts.queries import user_by_email
from lms.db import db
from lms.programmes.operations import add_member

from ..entities import operations as entities
from . import operations
from .models import Cohort

ZONE = "Europe/Madrid"
PASSWORD = "aula-demo"
COHORT = "Bootcamp ESS: digitalització en comú"
OFFICE = ("oficina@aula.example", "Montse Puig (Oficina Tècnica ESS)")

#: (name, kind, sector, size, [(e-mail, name)], (readiness, market, capacity), needs)
ENTITIES = [
    ("Cooperativa La Terrassa Verda", "cooperative", "Agroecologia", 7,
     [("jordi@terrassaverda.example", "Jordi Soler"), ("aina@terrassaverda.example", "Aina Roca")],
     (4, 4, 2), ["online_sales", "website"]),
    ("Associació Veïnal Poble-sec Viu", "association", "Acció comunitària", 3,
     [("nuria@poblesecviu.example", "Núria Vidal"), ("pau@poblesecviu.example", "Pau Ferrer")],
     (3, 2, 1), ["digital_skills", "cloud_tools"]),
    ("Fusteria Cooperativa El Roure", "cooperative", "Fusteria", 9,
     [("marc@elroure.example", "Marc Puigdomènech"), ("laia@elroure.example", "Laia Casals")],
     (2, 3, 3), ["management_erp", "teamwork"]),
    ("Llibreria Cooperativa Les Paraules", "cooperative", "Llibreria", 4,
     [("berta@lesparaules.example", "Berta Serra"), ("oriol@lesparaules.example", "Oriol Mas")],
     (5, 4, 2), ["online_sales", "social_media"]),
    ("Escola Bressol Cooperativa Petits Passos", "cooperative", "Educació", 12,
     [("carla@petitspassos.example", "Carla Riera"), ("joan@petitspassos.example", "Joan Pons")],
     (3, 2, 3), ["data_protection", "cloud_tools"]),
    ("Associació Teixidores del Raval", "association", "Tèxtil", 6,
     [("fatima@teixidores.example", "Fàtima El Amrani"), ("rosa@teixidores.example", "Rosa Martí")],
     (4, 3, 1), ["digital_skills", "online_sales"]),
    ("Cooperativa de Consum El Rebost", "cooperative", "Consum", 5,
     [("gemma@elrebost.example", "Gemma Font"), ("xavi@elrebost.example", "Xavier Prat")],
     (4, 3, 3), ["management_erp", "free_software"]),
    ("Missatgeria Cooperativa Roda Lliure", "cooperative", "Logística", 15,
     [("arnau@rodalliure.example", "Arnau Bosch"), ("irene@rodalliure.example", "Irene Camps")],
     (5, 5, 4), ["management_erp", "website"]),
    ("Associació Cultural L'Entrellat", "association", "Cultura", 3,
     [("marta@entrellat.example", "Marta Vila"), ("sergi@entrellat.example", "Sergi Coll")],
     (3, 3, 2), ["social_media", "website"]),
    ("Cooperativa de Cures La Xarxa", "cooperative", "Cures", 20,
     [("sara@laxarxa.example", "Sara Gil"), ("david@laxarxa.example", "David Ribas")],
     (2, 2, 2), ["digital_skills", "teamwork", "data_protection"]),
    ("Taller de Bicis Cooperatiu La Cadena", "cooperative", "Mobilitat", 4,
     [("ona@lacadena.example", "Ona Sala")], (4, 3, 2), ["website"]),
]  # fmt: skip

#: The digital cooperatives whose people mentor (as the seed names them), and their mentors.
MENTOR_ENTITIES = [
    ("femProcomuns", [("mentoria.femprocomuns@aula.example", "Mònica Garriga")]),
    ("Colectic", [("mentoria.colectic@aula.example", "Ramon Tarrés"),
                  ("mentoria2.colectic@aula.example", "Alba Ruiz")]),
    ("CoopDevs", [("mentoria.coopdevs@aula.example", "Dani Serrano"),
                  ("mentoria2.coopdevs@aula.example", "Mireia Pujol")]),
]  # fmt: skip


def _step(kind, title, week, weekday, start, minutes, every=1, count=1) -> dict:
    return {
        "kind": kind, "title": title, "week": week, "weekday": weekday, "start_time": start,
        "duration_minutes": minutes, "repeat_every_weeks": every, "repeat_count": count,
    }  # fmt: skip


STEPS = [
    _step("workshop", "Sessió inicial: casos referents de transformació digital", 1, 2,
          "10:00", 120),
    _step("diagnosis", "Diagnosi inicial en grup", 1, 4, "10:00", 90),
    _step("workshop", "Paquet de serveis: eines col·laboratives lliures", 3, 2, "10:00", 90),
    _step("mutual-aid", "Grup d'ajuda mútua", 4, 4, "18:00", 120, every=4, count=12),
    _step("workshop", "Paquet de serveis: web i presència en línia", 6, 2, "10:00", 90),
    _step("workshop", "Paquet de serveis: gestió amb programari lliure (Odoo)", 10, 2,
          "10:00", 90),
    _step("workshop", "Protecció de dades i confiança digital", 14, 2, "10:00", 90),
    _step("mentoring", "Mentoria", 2, 3, "17:00", 60, every=4, count=12),
    _step("check-in", "Seguiment setmanal", 2, 5, "09:30", 30, every=1, count=12),
]  # fmt: skip


def _person(email: str, name: str, role: Role = Role.learner):
    return user_by_email(email) or create_user(
        email, name, PASSWORD, role, locale="ca", timezone=ZONE
    )


def _entity(
    programme_id: int | None,
    name: str,
    kind: str,
    sector: str,
    size: int | None,
    people: list,
    *,
    role=Role.learner,
):
    entity = entities.create_entity(
        name=name, kind=kind, sector=sector, size=size, programme_id=programme_id
    )
    for n, (email, person) in enumerate(people):
        member = _person(email, person, role)
        entities.add_member(entity.id, member, "referent" if n == 0 else "member")
        if programme_id is not None:
            add_member(programme_id, member, "trainer" if role is Role.trainer else "learner")
    return entity


@contextmanager
def _quick_hashes() -> Iterator[None]:
    """The demo's accounts share a published password: a slow hash would protect nothing and
    make every fresh start wait seconds, so they are hashed with a light PBKDF2."""
    config = current_app.config
    saved = config.get("PASSWORD_HASH_METHOD")
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    try:
        yield
    finally:
        if saved is None:
            config.pop("PASSWORD_HASH_METHOD", None)
        else:
            config["PASSWORD_HASH_METHOD"] = saved


def load_cohort_demo(
    today: date | None = None, *, programme_id: int | None = None
) -> Cohort | None:
    """Idempotent: does nothing once the demo cohort exists (None). The cohort, its itinerary
    and entities belong to ``programme_id`` (the demo's Bootcamp ESS), which the office
    coordinates. Returns the cohort it made: it started this week, and its meetings already
    held have nobody in them yet (courses/demo.py seats and marks its entities there)."""
    if db.session.scalar(sa.select(Cohort.id).where(Cohort.name == COHORT)):
        return None
    with _quick_hashes():
        return _load(today or date.today(), programme_id)


def _load(today: date, programme_id: int | None) -> Cohort:
    office = _person(*OFFICE, role=Role.coordinator)
    if programme_id is not None:
        add_member(programme_id, office, "coordinator")
    mentors = []
    for name, people in MENTOR_ENTITIES:
        entity = _entity(programme_id, name, "cooperative", "Acompanyament digital", None,
                         people, role=Role.trainer)  # fmt: skip
        mentors += [m.user for m in entity.memberships]
    itinerary = operations.create_itinerary(
        name="Itinerari de digitalització ESS (un any)",
        description=(
            "Diagnosi inicial, paquets de serveis i mentoria continuada, en grup de deu "
            "entitats que es donen suport mútuament."
        ),
        track="tools",
        steps=STEPS,
        programme_id=programme_id,
    )
    cohort = operations.create_cohort(
        itinerary_id=itinerary.id,
        name=COHORT,
        starts_on=today - timedelta(days=today.weekday()),
        timezone=ZONE,
        referent=office,
    )
    placed = []
    for name, kind, sector, size, people, factors, needs in ENTITIES:
        entity = _entity(programme_id, name, kind, sector, size, people)
        readiness, market, capacity = factors
        entities.record_diagnosis(
            entity.id, readiness=readiness, market=market, capacity=capacity, needs=needs,
            assessed_by=office,
        )  # fmt: skip
        place, _ = operations.admit_entity(cohort.id, entity.id)
        placed.append(place)
    admitted = [p for p in placed if p.is_admitted]
    for n, place in enumerate(admitted):
        operations.assign_mentor(cohort.id, place.entity_id, mentors[n % len(mentors)])
    statuses = ["on_track"] * 6 + ["at_risk", "at_risk", "blocked"]
    notes = {
        "at_risk": "Poc temps de l'equip aquesta setmana.",
        "blocked": "Esperant l'accés al servidor de l'antic proveïdor.",
    }
    for place, status in zip(admitted, statuses, strict=False):
        operations.record_checkin(
            cohort.id, place.entity_id, week=1, status=status, notes=notes.get(status, ""),
            recorded_by=place.mentor,
        )  # fmt: skip
    return cohort
