"""The workshop routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from flask import current_app

from .models import Workshop


def workshop_json(workshop: Workshop) -> dict:
    zone = workshop.zone
    return {
        "id": workshop.id,
        "title": workshop.title,
        "description": workshop.description,
        "topic": workshop.topic,
        "starts_at": workshop.starts_at.astimezone(zone).isoformat(),
        "ends_at": workshop.ends_at.astimezone(zone).isoformat(),
        "timezone": workshop.timezone,
        "capacity": workshop.capacity,
        "seats_left": workshop.seats_left,
        "waitlist_length": workshop.waitlist_count,
        "status": workshop.status.value,
        "trainer": {"id": workshop.trainer.id, "name": workshop.trainer.name},
        "ics_url": f"{current_app.config['BASE_URL'].rstrip('/')}/workshops/{workshop.id}.ics",
    }
