"""The itinerary and cohort routes of the JSON API (see shared/api-contract.md)."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, RootModel, field_serializer

from lms import pagination
from lms.accounts.models import User
from lms.api import bp
from lms.apispec import Body, Id, Line, Out, Paged, Person, Text, Whole, declare, one_of, word
from lms.db import db
from lms.errors import DomainError, check_day
from lms.security import current_person, roles_required

from ..entities.api import user_or_404
from ..entities.models import Track
from ..workshops.api import WorkshopOut
from . import operations, permissions, queries
from .models import (
    CheckIn,
    Cohort,
    CohortMeeting,
    CohortPlace,
    PlaceState,
    ProgressStatus,
    StepKind,
)


class StepOut(Out):
    id: int
    kind: one_of(StepKind)  # type: ignore[valid-type]
    title: str
    week: int
    weekday: int = Field(description="ISO: 1 = Monday to 7 = Sunday")
    start_time: time = Field(description="local HH:MM")
    duration_minutes: int
    repeat_every_weeks: int | None
    repeat_count: int | None

    @field_serializer("start_time")
    def _clock(self, value: time) -> str:
        return value.strftime("%H:%M")


class ItineraryOut(Out):
    id: int
    programme_id: int
    name: str
    description: str
    track: one_of(Track) | None  # type: ignore[valid-type]
    weeks: int
    steps: list[StepOut]


class Itineraries(RootModel[list[ItineraryOut]]):
    pass


class CheckInOut(BaseModel):
    week: int
    status: one_of(ProgressStatus)  # type: ignore[valid-type]
    notes: str | None = Field(description="null to those who may not read them")
    recorded_by: Person | None
    recorded_at: datetime

    @classmethod
    def of(cls, checkin: CheckIn, *, with_notes: bool = True) -> CheckInOut:
        by = checkin.recorded_by
        return cls(
            week=checkin.week,
            status=checkin.status,
            notes=checkin.notes if with_notes else None,
            recorded_by=Person.model_validate(by) if by and with_notes else None,
            recorded_at=checkin.updated_at,
        )


class Meeting(WorkshopOut):
    """A schedule item: the workshop as the API shows it, plus where it sits in the cohort."""

    step: one_of(StepKind)  # type: ignore[valid-type]
    week: int
    entity_id: int | None

    @classmethod
    def of(cls, meeting: CohortMeeting) -> Meeting:
        workshop = WorkshopOut.model_validate(meeting.workshop)
        return cls(
            **dict(workshop),
            step=meeting.step.kind,
            week=meeting.week,
            entity_id=meeting.entity_id,
        )


class PlaceOut(BaseModel):
    entity_id: int
    name: str
    status: one_of(PlaceState)  # type: ignore[valid-type]
    waitlist_position: int | None
    mentor: Person | None
    progress: list[CheckInOut]

    @classmethod
    def of(cls, place: CohortPlace, position: int | None, progress: list[CheckInOut]) -> PlaceOut:
        return cls(
            entity_id=place.entity_id,
            name=place.entity.name,
            status=place.state,
            waitlist_position=position,
            mentor=Person.model_validate(place.mentor) if place.mentor else None,
            progress=progress,
        )


class CohortOut(BaseModel):
    id: int
    programme_id: int
    name: str
    itinerary_id: int
    starts_on: date
    timezone: str
    capacity: int
    admitted: int
    waiting: int
    referent: Person
    entities: list[PlaceOut]
    schedule: list[Meeting]


class Step(Body):
    kind: word(StepKind)  # type: ignore[valid-type]
    title: Line(200)  # type: ignore[valid-type]
    week: Whole = Field(description="from 1, the week of starts_on")
    weekday: Whole = Field(description="ISO: 1 = Monday to 7 = Sunday")
    start_time: str = Field(pattern=r"^\d\d:\d\d$", examples=["10:00"])
    duration_minutes: Whole
    repeat_every_weeks: Whole | None = None
    repeat_count: Whole | None = None


class NewItinerary(Body):
    programme_id: Id | None = Field(
        None, description="its programme; the caller's only one when absent (422 with several)"
    )
    name: Line(200)  # type: ignore[valid-type]
    description: Text() = ""  # type: ignore[valid-type]
    track: word(Track) | None = None  # type: ignore[valid-type]
    steps: list[Step] = Field(min_length=1)


class NewCohort(Body):
    itinerary_id: Id
    name: Line(200)  # type: ignore[valid-type]
    starts_on: str = Field(json_schema_extra={"format": "date"}, max_length=10)
    timezone: Line(60) = Field(examples=["Europe/Madrid"])  # type: ignore[valid-type]
    capacity: Whole = 10
    referent_id: Id | None = None


class Admission(Body):
    entity_id: Id


class Admitted(BaseModel):
    status: one_of(PlaceState)  # type: ignore[valid-type]
    waitlist_position: int | None


class MentorChoice(Body):
    user_id: Id


class Progress(Body):
    week: Whole
    status: word(ProgressStatus)  # type: ignore[valid-type]
    notes: Text(5000) = ""  # type: ignore[valid-type]


def cohort_out(cohort: Cohort, viewer: User) -> CohortOut:
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
        progress = [CheckInOut.of(c, with_notes=notes) for c in by_entity.get(place.entity_id, [])]
        entities.append(PlaceOut.of(place, positions.get(place.entity_id), progress))
    return CohortOut(
        id=cohort.id,
        programme_id=cohort.programme_id,
        name=cohort.name,
        itinerary_id=cohort.itinerary_id,
        starts_on=cohort.starts_on,
        timezone=cohort.timezone,
        capacity=cohort.capacity,
        admitted=cohort.admitted_count,
        waiting=cohort.waitlist_count,
        referent=Person.model_validate(cohort.referent),
        entities=entities,
        schedule=[Meeting.of(m) for m in queries.meetings(cohort.id, entity_ids=own)],
    )


@bp.post("/itineraries")
@roles_required("coordinator")
@declare(who="coordinator", json=NewItinerary, answers={201: ItineraryOut}, errors=(403,))
def create_itinerary(json: NewItinerary):
    """A reusable path of steps, each laid out in the week and at the local time given."""
    itinerary = operations.create_itinerary(
        programme_id=permissions.programme_for_new(json.programme_id),
        name=json.name,
        description=json.description,
        track=json.track,
        steps=[step.model_dump(exclude_none=True) for step in json.steps],
    )
    db.session.commit()
    return ItineraryOut.model_validate(itinerary), 201


@bp.get("/itineraries")
@roles_required("coordinator")
@declare(who="coordinator", query=Paged, answers={200: Itineraries}, errors=(403,))
def list_itineraries():
    """Every itinerary, in order (``Link: rel="next"``)."""
    window = pagination.requested()
    page = pagination.cut(queries.itineraries(window), window)
    return Itineraries.model_validate(page.items), 200, pagination.link_header(page)


@bp.get("/itineraries/<int:itinerary_id>")
@roles_required("coordinator")
@declare(who="coordinator", answers={200: ItineraryOut}, errors=(403,))
def get_itinerary(itinerary_id: int):
    """One itinerary with its steps."""
    return ItineraryOut.model_validate(permissions.itinerary_for(itinerary_id))


@bp.post("/cohorts")
@roles_required("coordinator")
@declare(who="coordinator", json=NewCohort, answers={201: CohortOut}, errors=(403,))
def create_cohort(json: NewCohort):
    """One run of an itinerary, its schedule laid out from ``starts_on`` in ``timezone``."""
    try:
        starts_on = check_day(date.fromisoformat(json.starts_on), "starts_on")
    except ValueError:
        raise DomainError(
            _l("The field “%(name)s” must be a date as YYYY-MM-DD.", name="starts_on")
        ) from None
    cohort = operations.create_cohort(
        itinerary_id=permissions.itinerary_for(json.itinerary_id).id,
        name=json.name,
        starts_on=starts_on,
        timezone=json.timezone,
        capacity=json.capacity,
        referent=user_or_404(json.referent_id) if json.referent_id else current_person(),
    )
    db.session.commit()
    return cohort_out(cohort, current_person()), 201


@bp.get("/cohorts/<int:cohort_id>")
@roles_required()
@declare(who="coordinator, the cohort's members and mentors", answers={200: CohortOut})
def get_cohort(cohort_id: int):
    """The cohort as the caller may see it (notes only to those who may read them)."""
    cohort = permissions.cohort_for(cohort_id)
    return cohort_out(cohort, current_person())


@bp.post("/cohorts/<int:cohort_id>/entities")
@roles_required("coordinator")
@declare(who="coordinator", json=Admission, answers={200: Admitted, 201: Admitted}, errors=(403,))
def admit_entity(cohort_id: int, json: Admission):
    """Give an entity a place, or the last place on the waiting list."""
    permissions.cohort_for(cohort_id, permissions.may_run)
    place, changed = operations.admit_entity(cohort_id, json.entity_id)
    db.session.commit()
    position = queries.waitlist_positions(cohort_id).get(place.entity_id)
    return Admitted(status=place.state, waitlist_position=position), 201 if changed else 200


@bp.delete("/cohorts/<int:cohort_id>/entities/<int:entity_id>")
@roles_required("coordinator")
@declare(who="coordinator", answers={204: None}, errors=(403,))
def remove_entity(cohort_id: int, entity_id: int):
    """The entity leaves; the first entity waiting is admitted."""
    permissions.cohort_for(cohort_id, permissions.may_run)
    operations.remove_entity(cohort_id, entity_id)
    db.session.commit()
    return "", 204


@bp.put("/cohorts/<int:cohort_id>/entities/<int:entity_id>/mentor")
@roles_required("coordinator")
@declare(who="coordinator", json=MentorChoice, answers={200: PlaceOut}, errors=(403,))
def put_mentor(cohort_id: int, entity_id: int, json: MentorChoice):
    """A mentor from another entity (422 if the person belongs to this one)."""
    permissions.cohort_for(cohort_id, permissions.may_run)
    mentor = user_or_404(json.user_id)
    place = operations.assign_mentor(cohort_id, entity_id, mentor)
    db.session.commit()
    position = queries.waitlist_positions(cohort_id).get(entity_id)
    by_entity = queries.checkins(cohort_id).get(entity_id, [])
    return PlaceOut.of(place, position, [CheckInOut.of(c) for c in by_entity])


@bp.delete("/cohorts/<int:cohort_id>/entities/<int:entity_id>/mentor")
@roles_required("coordinator")
@declare(who="coordinator", answers={204: None}, errors=(403,))
def delete_mentor(cohort_id: int, entity_id: int):
    """Unpair the entity's mentor; its coming meetings go back to the cohort's referent."""
    permissions.cohort_for(cohort_id, permissions.may_run)
    operations.unpair_mentor(cohort_id, entity_id)
    db.session.commit()
    return "", 204


@bp.post("/cohorts/<int:cohort_id>/entities/<int:entity_id>/progress")
@roles_required()
@declare(
    who="the entity's mentor or referent, coordinator",
    json=Progress,
    answers={200: CheckInOut, 201: CheckInOut},
    errors=(403,),
)
def record_progress(cohort_id: int, entity_id: int, json: Progress):
    """The weekly check-in: ``on_track``, ``at_risk`` or ``blocked``."""
    permissions.place_for(cohort_id, entity_id, permissions.may_record_checkin)
    checkin, created = operations.record_checkin(
        cohort_id,
        entity_id,
        week=json.week,
        status=json.status,
        notes=json.notes,
        recorded_by=current_person(),
    )
    db.session.commit()
    return CheckInOut.of(checkin), 201 if created else 200
