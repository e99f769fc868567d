"""The workshop routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from lms import pagination
from lms.accounts.operations import check_timezone
from lms.api import bp, field, json_body, parse_datetime
from lms.db import db
from lms.errors import DomainError, check_day, check_moment
from lms.i18n import in_zone
from lms.links import absolute
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import DEFAULT_CAPACITY, Enrolment, EnrolmentState, Workshop


def workshop_json(workshop: Workshop) -> dict:
    zone = workshop.zone
    return {
        "id": workshop.id,
        "title": workshop.title,
        "description": workshop.description,
        "topic": workshop.topic,
        "starts_at": in_zone(workshop.starts_at, zone).isoformat(),
        "ends_at": in_zone(workshop.ends_at, zone).isoformat(),
        "timezone": workshop.timezone,
        "capacity": workshop.capacity,
        "seats_left": workshop.seats_left,
        "waitlist_length": workshop.waitlist_count,
        "status": workshop.status.value,
        "trainer": {"id": workshop.trainer.id, "name": workshop.trainer.name},
        "programme_id": workshop.programme_id,
        "ics_url": absolute(f"/workshops/{workshop.id}.ics"),
    }


def enrolment_json(enrolment: Enrolment, position: int | None) -> dict:
    return {
        "workshop_id": enrolment.workshop_id,
        "status": enrolment.state.value,
        "waitlist_position": position if enrolment.state is EnrolmentState.waitlisted else None,
    }


# -- reading -------------------------------------------------------------------------------


def _date_param(name: str, *, end: bool = False) -> datetime | None:
    """``from``/``to``: an ISO date (``to`` includes the whole day) or date-time in the years
    Aula accepts; UTC when no offset is given. Anything else is a 400."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = check_day(date.fromisoformat(value), name)
            return datetime.combine(day, time(), UTC) + timedelta(days=1 if end else 0)
        parsed = datetime.fromisoformat(value)
        return check_moment(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), name)
    except ValueError:
        raise DomainError(
            _l("The parameter “%(name)s” must be an ISO 8601 date.", name=name),
            code="bad_date",
            status=400,
        ) from None
    except DomainError as e:
        e.status = 400  # a filter of a read, not a change refused
        raise


@bp.get("/workshops")
def list_workshops():
    window = pagination.requested()
    page = pagination.cut(
        queries.catalogue(
            topic=request.args.get("topic", "").strip() or None,
            starts_from=_date_param("from"),
            starts_to=_date_param("to", end=True),
            window=window,
            programme=request.args.get("programme", "").strip() or None,
        ),
        window,
    )
    return jsonify([workshop_json(w) for w in page.items]), pagination.link_header(page)


@bp.get("/workshops/<int:workshop_id>")
def get_workshop(workshop_id: int):
    return jsonify(workshop_json(permissions.visible(workshop_id)))


@bp.get("/workshops/<int:workshop_id>/roster")
@roles_required()
def roster(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    seated, waiting = queries.roster(workshop.id).lines()
    return jsonify(
        enrolled=[
            {
                "user_id": line.user_id,
                "name": line.name,
                "email": line.email,
                "attendance": line.attendance.value if line.attendance else None,
            }
            for line in seated
        ],
        waitlist=[
            {"user_id": line.user_id, "name": line.name, "position": line.position}
            for line in waiting
        ],
    )


@bp.get("/me/enrolments")
@roles_required()
def my_enrolments():
    window = pagination.requested()
    page = pagination.cut(
        queries.places_of(current_person().id, live_only=True, window=window), window
    )
    body = [
        enrolment_json(p.enrolment, p.position) | {"workshop": workshop_json(p.workshop)}
        for p in page.items
    ]
    return jsonify(body), pagination.link_header(page)


# -- writing -------------------------------------------------------------------------------


def _times(data: dict[str, Any], zone: ZoneInfo, required: bool) -> dict[str, datetime]:
    times = {}
    for name in ("starts_at", "ends_at"):
        value = field(data, name, required=required)
        if value is not None:
            times[name] = parse_datetime(value, zone, name)
    return times


def _capacity(data: dict[str, Any], default: int | None) -> int | None:
    return field(data, "capacity", int, required=False, default=default)


@bp.post("/workshops")
@roles_required("trainer", "coordinator")
def create_workshop():
    user = current_person()
    data = json_body()
    zone_name = field(data, "timezone", required=False) or user.timezone
    zone = ZoneInfo(check_timezone(zone_name))
    programme_id, trainer = permissions.planned(
        field(data, "programme_id", int, required=False),
        field(data, "trainer_id", int, required=False),
    )
    workshop = operations.create_workshop(
        programme_id=programme_id,
        trainer=trainer,
        title=field(data, "title", max_length=200),
        description=field(data, "description", required=False, default="", single_line=False),
        topic=field(data, "topic", required=False, default="", max_length=60),
        timezone=zone_name,
        capacity=_capacity(data, DEFAULT_CAPACITY),
        **_times(data, zone, required=True),
    )
    body = workshop_json(workshop)  # before the commit, which would expire what it reads
    db.session.commit()
    return jsonify(body), 201


def _trainer(user_id: int):
    from lms.accounts.models import User

    trainer = db.session.get(User, user_id)
    if trainer is None or not trainer.can_teach:
        raise DomainError(_l("Only a trainer or a coordinator can run a workshop."))
    return trainer


PATCHABLE = frozenset(
    {"title", "description", "topic", "starts_at", "ends_at", "timezone", "capacity"}
)


@bp.patch("/workshops/<int:workshop_id>")
@roles_required()
def update_workshop(workshop_id: int):
    workshop = permissions.managed(workshop_id)
    data = json_body()
    unknown = set(data) - PATCHABLE
    if unknown:
        raise DomainError(
            _l("These fields cannot be changed: %(f)s", f=", ".join(sorted(unknown))),
            code="unknown_field",
        )
    changes: dict[str, Any] = {}
    for name, max_length in (("title", 200), ("description", None), ("topic", 60)):
        if name in data:
            changes[name] = field(
                data,
                name,
                required=name == "title",
                default="",  # null clears a description or a topic
                max_length=max_length,
                single_line=name != "description",
            )
    if data.get("capacity") is not None:
        changes["capacity"] = _capacity(data, None)
    if data.get("timezone") is not None:
        changes["timezone"] = check_timezone(field(data, "timezone"))
    zone = ZoneInfo(changes.get("timezone", workshop.timezone))
    changes |= _times(data, zone, required=False)
    workshop = operations.update_workshop(workshop.id, **changes)
    body = workshop_json(workshop)
    db.session.commit()
    return jsonify(body)


@bp.post("/workshops/<int:workshop_id>/cancel")
@roles_required()
def cancel_workshop(workshop_id: int):
    workshop = operations.cancel_workshop(permissions.managed(workshop_id).id)
    body = workshop_json(workshop)
    db.session.commit()
    return jsonify(body)


@bp.post("/workshops/<int:workshop_id>/enrolment")
@roles_required()
def enrol(workshop_id: int):
    permissions.for_enrolment(workshop_id)  # an outsider learns nothing of a cohort's
    enrolment, created = operations.enrol(workshop_id, current_person())
    position = None
    if enrolment.state is EnrolmentState.waitlisted:
        # A new arrival is last; a repeated request must count those ahead.
        place = None if created else queries.place(workshop_id, enrolment.user_id)
        position = place.position if place else enrolment.workshop.waitlist_count
    body = enrolment_json(enrolment, position)
    db.session.commit()
    return jsonify(body), 201 if created else 200


@bp.delete("/workshops/<int:workshop_id>/enrolment")
@roles_required()
def withdraw(workshop_id: int):
    permissions.for_enrolment(workshop_id)
    operations.withdraw(workshop_id, current_person().id)
    db.session.commit()
    return "", 204
