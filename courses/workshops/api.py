"""The workshop routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, RootModel, computed_field, field_serializer

from lms import pagination
from lms.accounts.operations import check_timezone
from lms.api import bp, parse_datetime
from lms.apispec import Body, Id, Line, Moment, Out, Paged, Person, Text, Whole, declare, one_of
from lms.db import db
from lms.errors import DomainError, check_day, check_moment
from lms.i18n import in_zone
from lms.links import absolute
from lms.security import current_person, roles_required

from . import operations, permissions, queries
from .models import DEFAULT_CAPACITY, Attendance, Enrolment, EnrolmentState, WorkshopStatus


class WorkshopOut(Out):
    """A workshop, as the API shows it; times carry the offset of its ``timezone``."""

    id: int
    title: str = Field(examples=["Accounting for cooperatives"])
    description: str
    topic: str = Field(examples=["finance"])
    starts_at: datetime
    ends_at: datetime
    timezone: str = Field(examples=["Europe/Madrid"])
    capacity: int
    seats_left: int
    waitlist_length: int = Field(validation_alias="waitlist_count")
    status: one_of(WorkshopStatus)  # type: ignore[valid-type]
    trainer: Person
    programme_id: int

    @field_serializer("starts_at", "ends_at")
    def _local(self, moment: datetime) -> str:
        return in_zone(moment, ZoneInfo(self.timezone)).isoformat()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ics_url(self) -> str:
        return absolute(f"/workshops/{self.id}.ics")


class Workshops(RootModel[list[WorkshopOut]]):
    pass


class EnrolmentOut(BaseModel):
    workshop_id: int
    status: one_of(EnrolmentState)  # type: ignore[valid-type]
    waitlist_position: int | None = Field(description="place on the waiting list, from 1")

    @classmethod
    def of(cls, enrolment: Enrolment, position: int | None) -> EnrolmentOut:
        waiting = enrolment.state is EnrolmentState.waitlisted
        return cls(
            workshop_id=enrolment.workshop_id,
            status=enrolment.state,
            waitlist_position=position if waiting else None,
        )


class MyEnrolment(EnrolmentOut):
    workshop: WorkshopOut


class MyEnrolments(RootModel[list[MyEnrolment]]):
    pass


class SeatedLine(Out):
    user_id: int
    name: str
    email: str
    attendance: one_of(Attendance) | None  # type: ignore[valid-type]


class WaitingLine(Out):
    user_id: int
    name: str
    position: int


class Roster(BaseModel):
    enrolled: list[SeatedLine]
    waitlist: list[WaitingLine]


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    topic: str | None = None
    programme: str | None = Field(None, description="a programme's slug: its workshops only")
    from_: str | None = Field(None, alias="from", description="ISO date or date-time")
    to: str | None = Field(None, description="ISO date (the whole day) or date-time")
    limit: str | None = Field(None, description="1 to 200, 50 when absent")
    page: str | None = Field(None, description="from 1")


class NewWorkshop(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Accounting for cooperatives",
                    "starts_at": "2030-04-02T10:00:00",
                    "ends_at": "2030-04-02T12:00:00",
                    "timezone": "Europe/Madrid",
                    "capacity": 12,
                }
            ]
        }
    )

    title: Line(200)  # type: ignore[valid-type]
    description: Text() = ""  # type: ignore[valid-type]
    topic: Line(60, min_length=0) = ""  # type: ignore[valid-type]
    starts_at: Moment
    ends_at: Moment
    timezone: Line(60) | None = Field(None, examples=["Europe/Madrid"])  # type: ignore[valid-type]
    capacity: Whole = DEFAULT_CAPACITY
    trainer_id: Id | None = Field(None, description="a coordinator plans for this trainer")
    programme_id: Id | None = Field(
        None, description="its programme; the caller's only one when absent (422 with several)"
    )


class WorkshopChange(Body):
    """Only the fields given change; null clears a description or a topic."""

    title: Line(200) = None  # type: ignore[valid-type]
    description: Text() | None = None  # type: ignore[valid-type]
    topic: Line(60, min_length=0) | None = None  # type: ignore[valid-type]
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    timezone: Line(60) | None = None  # type: ignore[valid-type]
    capacity: Whole | None = None


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
@declare(who="anyone", query=Catalogue, answers={200: Workshops})
def list_workshops():
    """The catalogue of upcoming public workshops, in order (``Link: rel="next"``)."""
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
    return Workshops.model_validate(page.items), 200, pagination.link_header(page)


@bp.get("/workshops/<int:workshop_id>")
@declare(who="anyone", answers={200: WorkshopOut})
def get_workshop(workshop_id: int):
    """One workshop (a cohort's only to the people of the cohort)."""
    return WorkshopOut.model_validate(permissions.visible(workshop_id))


@bp.get("/workshops/<int:workshop_id>/roster")
@roles_required()
@declare(who="its trainer, coordinator", answers={200: Roster}, errors=(403,))
def roster(workshop_id: int):
    """Who holds a seat (with their attendance) and who waits, in order."""
    workshop = permissions.managed(workshop_id)
    seated, waiting = queries.roster(workshop.id).lines()
    return Roster(
        enrolled=[SeatedLine.model_validate(line) for line in seated],
        waitlist=[WaitingLine.model_validate(line) for line in waiting],
    )


@bp.get("/me/enrolments")
@roles_required()
@declare(who="signed in", query=Paged, answers={200: MyEnrolments})
def my_enrolments():
    """The caller's enrolments, waiting places included."""
    window = pagination.requested()
    page = pagination.cut(
        queries.places_of(current_person().id, live_only=True, window=window), window
    )
    body = MyEnrolments(
        [
            MyEnrolment(
                **EnrolmentOut.of(p.enrolment, p.position).model_dump(),
                workshop=WorkshopOut.model_validate(p.workshop),
            )
            for p in page.items
        ]
    )
    return body, 200, pagination.link_header(page)


# -- writing -------------------------------------------------------------------------------


def _times(data: BaseModel, zone: ZoneInfo) -> dict[str, datetime]:
    times = {}
    for name in ("starts_at", "ends_at"):
        value = getattr(data, name)
        if value is not None:
            times[name] = parse_datetime(value, zone, name)
    return times


@bp.post("/workshops")
@roles_required("trainer", "coordinator")
@declare(who="trainer, coordinator", json=NewWorkshop, answers={201: WorkshopOut}, errors=(403,))
def create_workshop(json: NewWorkshop):
    """Plan a workshop; a coordinator may plan it for another trainer (``trainer_id``)."""
    user = current_person()
    zone_name = json.timezone or user.timezone
    zone = ZoneInfo(check_timezone(zone_name))
    times = _times(json, zone)
    programme_id, trainer = permissions.planned(json.programme_id, json.trainer_id)
    workshop = operations.create_workshop(
        programme_id=programme_id,
        trainer=trainer,
        title=json.title,
        description=json.description,
        topic=json.topic,
        timezone=zone_name,
        capacity=json.capacity,
        starts_at=times["starts_at"],
        ends_at=times["ends_at"],
    )
    body = WorkshopOut.model_validate(workshop)  # before the commit, which expires what it reads
    db.session.commit()
    return body, 201


@bp.patch("/workshops/<int:workshop_id>")
@roles_required()
@declare(
    who="its trainer, coordinator", json=WorkshopChange, answers={200: WorkshopOut}, errors=(403,)
)
def update_workshop(workshop_id: int, json: WorkshopChange):
    """Change title, description, topic, times, time zone or capacity."""
    workshop = permissions.managed(workshop_id)
    given = json.model_fields_set
    if "title" in given and json.title is None:
        raise DomainError(_l("The field “%(name)s” is required.", name="title"), code="missing")
    changes: dict[str, Any] = {}
    for name in ("title", "description", "topic"):
        if name in given:
            changes[name] = getattr(json, name) or ""  # null clears a description or a topic
    if json.capacity is not None:
        changes["capacity"] = json.capacity
    if json.timezone is not None:
        changes["timezone"] = check_timezone(json.timezone)
    zone = ZoneInfo(changes.get("timezone", workshop.timezone))
    changes |= _times(json, zone)
    workshop = operations.update_workshop(workshop.id, **changes)
    body = WorkshopOut.model_validate(workshop)
    db.session.commit()
    return body


@bp.post("/workshops/<int:workshop_id>/cancel")
@roles_required()
@declare(who="its trainer, coordinator", answers={200: WorkshopOut}, errors=(403, 422))
def cancel_workshop(workshop_id: int):
    """Cancel; everyone enrolled and waiting is told."""
    workshop = operations.cancel_workshop(permissions.managed(workshop_id).id)
    body = WorkshopOut.model_validate(workshop)
    db.session.commit()
    return body


@bp.post("/workshops/<int:workshop_id>/enrolment")
@roles_required()
@declare(
    who="learner (self)",
    answers={200: EnrolmentOut, 201: EnrolmentOut},
    errors=(403, 409, 422),
)
def enrol(workshop_id: int):
    """Take a seat, or the last place on the waiting list; repeating it answers the same
    enrolment with 200."""
    permissions.for_enrolment(workshop_id)  # an outsider learns nothing of a cohort's
    enrolment, created = operations.enrol(workshop_id, current_person())
    position = None
    if enrolment.state is EnrolmentState.waitlisted:
        # A new arrival is last; a repeated request must count those ahead.
        place = None if created else queries.place(workshop_id, enrolment.user_id)
        position = place.position if place else enrolment.workshop.waitlist_count
    body = EnrolmentOut.of(enrolment, position)
    db.session.commit()
    return body, 201 if created else 200


@bp.delete("/workshops/<int:workshop_id>/enrolment")
@roles_required()
@declare(who="learner (self)", answers={204: None}, errors=(403, 422))
def withdraw(workshop_id: int):
    """Give up a seat or a waiting place; the first person waiting takes the seat at once."""
    permissions.for_enrolment(workshop_id)
    operations.withdraw(workshop_id, current_person().id)
    db.session.commit()
    return "", 204
