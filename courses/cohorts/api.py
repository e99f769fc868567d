"""The itinerary and cohort routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import date

from flask import jsonify
from flask_babel import lazy_gettext as _l

from lms import pagination
from lms.accounts.models import User
from lms.api import bp, field, json_body
from lms.db import db
from lms.errors import DomainError, NotFound
from lms.security import current_person, roles_required

from ..entities.api import user_or_404
from ..workshops.api import WorkshopOut
from . import operations, permissions, queries
from .models import CheckIn, Cohort, CohortMeeting, CohortPlace, Itinerary, PlaceState


def step_json(step) -> dict:
    return {
        "id": step.id,
        "kind": step.kind.value,
        "title": step.title,
        "week": step.week,
        "weekday": step.weekday,
        "start_time": step.start_time.strftime("%H:%M"),
        "duration_minutes": step.duration_minutes,
        "repeat_every_weeks": step.repeat_every_weeks,
        "repeat_count": step.repeat_count,
    }


def itinerary_json(itinerary: Itinerary) -> dict:
    return {
        "id": itinerary.id,
        "name": itinerary.name,
        "description": itinerary.description,
        "track": itinerary.track.value if itinerary.track else None,
        "weeks": itinerary.weeks,
        "steps": [step_json(s) for s in itinerary.steps],
    }


def checkin_json(checkin: CheckIn, *, with_notes: bool = True) -> dict:
    return {
        "week": checkin.week,
        "status": checkin.status.value,
        "notes": checkin.notes if with_notes else None,
        "recorded_by": (
            {"id": checkin.recorded_by.id, "name": checkin.recorded_by.name}
            if checkin.recorded_by and with_notes
            else None
        ),
        "recorded_at": checkin.updated_at.isoformat(),
    }


def meeting_json(meeting: CohortMeeting) -> dict:
    """A schedule item: the workshop as the API shows it, plus where it sits in the cohort."""
    return {
        **WorkshopOut.model_validate(meeting.workshop).model_dump(mode="json"),
        "step": meeting.step.kind.value,
        "week": meeting.week,
        "entity_id": meeting.entity_id,
    }


def place_json(place: CohortPlace, position: int | None, progress: list[dict]) -> dict:
    return {
        "entity_id": place.entity_id,
        "name": place.entity.name,
        "status": place.state.value,
        "waitlist_position": position,
        "mentor": {"id": place.mentor.id, "name": place.mentor.name} if place.mentor else None,
        "progress": progress,
    }


def cohort_json(cohort: Cohort, viewer: User) -> dict:
    """The cohort as ``viewer`` may see it: whoever follows it sees everything; members and
    mentors see every entity's weekly status, the notes only where they may read them
    (``permissions.may_read_notes``), and the schedule of the cohort and their own entities."""
    follows = permissions.may_follow(viewer, cohort)
    own = None if follows else queries.own_entity_ids(cohort.id, viewer)
    positions = queries.waitlist_positions(cohort.id)
    by_entity = queries.checkins(cohort.id)
    entities = []
    for place in queries.places(cohort.id):
        if place.state is PlaceState.left:
            continue
        notes = permissions.may_read_notes(viewer, place)
        progress = [checkin_json(c, with_notes=notes) for c in by_entity.get(place.entity_id, [])]
        entities.append(place_json(place, positions.get(place.entity_id), progress))
    return {
        "id": cohort.id,
        "name": cohort.name,
        "itinerary_id": cohort.itinerary_id,
        "starts_on": cohort.starts_on.isoformat(),
        "timezone": cohort.timezone,
        "capacity": cohort.capacity,
        "admitted": cohort.admitted_count,
        "waiting": cohort.waitlist_count,
        "referent": {"id": cohort.referent.id, "name": cohort.referent.name},
        "entities": entities,
        "schedule": [meeting_json(m) for m in queries.meetings(cohort.id, entity_ids=own)],
    }


@bp.post("/itineraries")
@roles_required("coordinator")
def create_itinerary():
    data = json_body()
    itinerary = operations.create_itinerary(
        name=field(data, "name", max_length=200),
        description=field(data, "description", required=False, default="", single_line=False),
        track=data.get("track"),
        steps=data.get("steps"),
    )
    db.session.commit()
    return jsonify(itinerary_json(itinerary)), 201


@bp.get("/itineraries")
@roles_required("coordinator")
def list_itineraries():
    window = pagination.requested()
    page = pagination.cut(queries.itineraries(window), window)
    return jsonify([itinerary_json(i) for i in page.items]), pagination.link_header(page)


@bp.get("/itineraries/<int:itinerary_id>")
@roles_required("coordinator")
def get_itinerary(itinerary_id: int):
    itinerary = queries.get_itinerary(itinerary_id)
    if itinerary is None:
        raise NotFound(_l("There is no such itinerary."))
    return jsonify(itinerary_json(itinerary))


@bp.post("/cohorts")
@roles_required("coordinator")
def create_cohort():
    data = json_body()
    try:
        starts_on = date.fromisoformat(field(data, "starts_on"))
    except ValueError:
        raise DomainError(
            _l("The field “%(name)s” must be a date as YYYY-MM-DD.", name="starts_on")
        ) from None
    referent_id = data.get("referent_id")
    cohort = operations.create_cohort(
        itinerary_id=field(data, "itinerary_id", int),
        name=field(data, "name", max_length=200),
        starts_on=starts_on,
        timezone=field(data, "timezone"),
        capacity=data.get("capacity", 10),
        referent=user_or_404(referent_id) if referent_id is not None else current_person(),
    )
    db.session.commit()
    return jsonify(cohort_json(cohort, current_person())), 201


@bp.get("/cohorts/<int:cohort_id>")
@roles_required()
def get_cohort(cohort_id: int):
    cohort = permissions.cohort_for(cohort_id)
    return jsonify(cohort_json(cohort, current_person()))


@bp.post("/cohorts/<int:cohort_id>/entities")
@roles_required("coordinator")
def admit_entity(cohort_id: int):
    data = json_body()
    place, changed = operations.admit_entity(cohort_id, field(data, "entity_id", int))
    db.session.commit()
    position = queries.waitlist_positions(cohort_id).get(place.entity_id)
    return jsonify(status=place.state.value, waitlist_position=position), 201 if changed else 200


@bp.delete("/cohorts/<int:cohort_id>/entities/<int:entity_id>")
@roles_required("coordinator")
def remove_entity(cohort_id: int, entity_id: int):
    operations.remove_entity(cohort_id, entity_id)
    db.session.commit()
    return "", 204


@bp.put("/cohorts/<int:cohort_id>/entities/<int:entity_id>/mentor")
@roles_required("coordinator")
def put_mentor(cohort_id: int, entity_id: int):
    data = json_body()
    mentor = user_or_404(field(data, "user_id", int))
    place = operations.assign_mentor(cohort_id, entity_id, mentor)
    db.session.commit()
    position = queries.waitlist_positions(cohort_id).get(entity_id)
    by_entity = queries.checkins(cohort_id).get(entity_id, [])
    return jsonify(place_json(place, position, [checkin_json(c) for c in by_entity]))


@bp.post("/cohorts/<int:cohort_id>/entities/<int:entity_id>/progress")
@roles_required()
def record_progress(cohort_id: int, entity_id: int):
    data = json_body()
    permissions.place_for(cohort_id, entity_id, permissions.may_record_checkin)
    user = current_person()
    checkin, created = operations.record_checkin(
        cohort_id,
        entity_id,
        week=data.get("week"),
        status=data.get("status"),
        notes=field(data, "notes", required=False, default="", max_length=5000, single_line=False),
        recorded_by=user,
    )
    db.session.commit()
    return jsonify(checkin_json(checkin)), 201 if created else 200
