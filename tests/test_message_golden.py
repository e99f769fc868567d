"""Characterisation of every workshop message (subject, text, HTML, invitation) for fixed
data, compared byte for byte with golden files made from the code before issue 13 moved
rendering out of the seat lock. Only DTSTAMP (the time of writing) is normalised.

Regenerate (only when a change of wording is intended): LMS_UPDATE_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from courses.workshops import operations as workshops
from lms.db import db
from tests.notify_fixtures import outbox

GOLDEN = Path(__file__).parent / "golden" / "workshop_messages.txt"
START = datetime(2031, 3, 10, 9, 30, tzinfo=UTC)


def _normalised(text: str) -> str:
    return re.sub(r"(?m)^DTSTAMP:.*$", "DTSTAMP:<now>", text.replace("\r\n", "\n"))


def _dump(messages) -> str:
    parts = []
    for m in messages:
        parts.append(f"=== {m.kind} to {m.recipient_address}")
        for field in ("to_name", "subject", "calendar_method", "text", "html", "calendar"):
            parts.append(f"--- {field}\n{_normalised(str(m.payload.get(field, '')))}")
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
