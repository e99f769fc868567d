"""Characterisation of every workshop message (subject, text, HTML, invitation) for fixed
data, compared byte for byte with golden files made from the code before issue 13 moved
rendering out of the seat lock. Only DTSTAMP (the time of writing) is normalised. Each message
is rendered as the worker renders it (``outgoing``), from the record written with the change.

Regenerate (only when a change of wording is intended): LMS_UPDATE_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from courses.workshops import operations as workshops
from lms.db import db
from lms.notifications.operations import outgoing
from tests.notify_fixtures import outbox

GOLDEN = Path(__file__).parent / "golden" / "workshop_messages.txt"
START = datetime(2031, 3, 10, 9, 30, tzinfo=UTC)


def _normalised(text: str) -> str:
    return re.sub(r"(?m)^DTSTAMP:.*$", "DTSTAMP:<now>", text.replace("\r\n", "\n"))


def _dump(messages) -> str:
    parts = []
    for m in messages:
        parts.append(f"=== {m.kind} to {m.recipient_address}")
        sent = outgoing(m)
        for field in ("to_name", "subject", "calendar_method", "text", "html", "calendar"):
            parts.append(f"--- {field}\n{_normalised(str(getattr(sent, field)))}")
    return "\n".join(parts) + "\n"


def test_every_workshop_message_is_rendered_as_before(app, make_user, make_workshop):
    trainer = make_user("trainer", email="trainer@aula.test", name="Tere Trainer")
    people = [
        make_user(
            email=f"{loc or 'default'}@aula.test", name=f"Learner {loc}", locale=loc, timezone=tz
        )
        for loc, tz in (
            ("en", "America/New_York"),
            ("es", "Europe/Madrid"),
            ("ca", "UTC"),
            ("gl", "Atlantic/Canary"),
        )
    ]
    workshop = make_workshop(
        capacity=2, trainer=trainer, title="Taller <b>&</b> web", starts_at=START
    )
    for person in people:  # enrolled, enrolled, waitlisted, waitlisted
        workshops.enrol(workshop.id, person)
        db.session.commit()
    workshops.update_workshop(
        workshop.id, starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=2)
    )
    db.session.commit()
    workshops.withdraw(workshop.id, people[0].id)  # withdrawn, and the first waiting is promoted
    db.session.commit()
    workshops.withdraw(workshop.id, people[1].id, removed=True)  # removed, another promoted
    db.session.commit()
    workshops.cancel_workshop(workshop.id)
    db.session.commit()

    text = _dump(outbox())
    kinds = {line.split()[1] for line in text.splitlines() if line.startswith("=== ")}
    assert {
        "workshop.enrolled",
        "workshop.waitlisted",
        "workshop.changed",
        "workshop.withdrawn",
        "workshop.promoted",
        "workshop.removed",
        "workshop.cancelled",
    } <= kinds
    if os.environ.get("LMS_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


COHORT_GOLDEN = Path(__file__).parent / "golden" / "cohort_messages.txt"


def test_every_cohort_message_is_rendered_as_before(app, make_user):
    from datetime import date

    from courses.cohorts import operations as cohorts
    from courses.entities import operations as entities
    from tests.cohort_fixtures import STEPS, ZONE

    referent = make_user("coordinator", email="office@aula.test", name="Oficina", locale="ca")
    itinerary = cohorts.create_itinerary(name="Itinerari ESS", steps=STEPS)
    cohort = cohorts.create_cohort(
        itinerary_id=itinerary.id,
        name="Cohort <tardor>",
        starts_on=date(2031, 3, 3),
        timezone=ZONE,
        referent=db.session.merge(referent),
        capacity=1,
    )
    db.session.commit()
    made = []
    for name, locales in (("Coop Una & Cia", ("es", "en")), ("Coop Dues", ("ca", "gl"))):
        entity = entities.create_entity(name=name, kind="cooperative")
        for n, locale in enumerate(locales):
            person = make_user(
                email=f"{name[5:8].strip()}-{locale}@aula.test", name=f"{name} {n}", locale=locale
            )
            entities.add_member(
                entity.id, db.session.merge(person), "referent" if n == 0 else "member"
            )
        db.session.commit()
        made.append(entity)
    mentor = make_user("trainer", email="mentor@aula.test", name="Mentora", locale="gl")
    cohorts.admit_entity(cohort.id, made[0].id)  # admitted
    cohorts.admit_entity(cohort.id, made[1].id)  # waitlisted, number 1
    db.session.commit()
    cohorts.assign_mentor(cohort.id, made[0].id, db.session.merge(mentor))  # mentor_assigned
    db.session.commit()
    cohorts.remove_entity(cohort.id, made[0].id)  # left, and the second promoted
    db.session.commit()

    text = _dump([m for m in outbox() if m.kind.startswith("cohort.")])
    kinds = {line.split()[1] for line in text.splitlines() if line.startswith("=== ")}
    assert {"cohort.admitted", "cohort.waitlisted", "cohort.mentor_assigned", "cohort.left",
            "cohort.promoted"} <= kinds  # fmt: skip
    if os.environ.get("LMS_UPDATE_GOLDEN"):
        COHORT_GOLDEN.write_text(text, encoding="utf-8")
    assert text == COHORT_GOLDEN.read_text(encoding="utf-8")
