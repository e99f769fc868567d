"""Itineraries (reusable paths of steps) and cohorts (one dated run of an itinerary by up to
``capacity`` entities, with its own waiting list, mentors and weekly check-ins)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled
from lms.programmes.models import programme_column

from ..entities.models import Entity, Track
from ..workshops.models import Workshop
from .layout import week_monday

DEFAULT_COHORT_CAPACITY = 10
MAX_COHORT_CAPACITY = 40


class StepKind(Labelled):
    workshop = "workshop", _l("Workshop")
    diagnosis = "diagnosis", _l("Diagnosis")
    mentoring = "mentoring", _l("Mentoring (one per entity)")
    check_in = "check-in", _l("Check-in (one per entity)")
    mutual_aid = "mutual-aid", _l("Mutual-aid meeting")

    @property
    def per_entity(self) -> bool:
        """Mentoring and check-ins are one meeting per entity; the rest one per cohort."""
        return self in (StepKind.mentoring, StepKind.check_in)


class Itinerary(Model):
    """A reusable path of steps, placed by week, weekday and local time."""

    __tablename__ = "itinerary"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme it belongs to (lms.programmes.permissions says who acts in it).
    programme_id: Mapped[int] = programme_column()
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    #: The diagnosis track it suits, if the coordinator said so.
    track: Mapped[Track | None] = mapped_column(enum_type(Track), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    steps: Mapped[list[ItineraryStep]] = relationship(
        back_populates="itinerary",
        order_by="ItineraryStep.position",
        cascade="all, delete-orphan",
    )

    @property
    def weeks(self) -> int:
        return max((s.last_week for s in self.steps), default=0)


class ItineraryStep(Model):
    __tablename__ = "itinerary_step"
    __table_args__ = (
        sa.UniqueConstraint("itinerary_id", "position"),
        sa.CheckConstraint("week >= 1", name="week_positive"),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_iso"),
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 720", name="duration_range"),
        sa.CheckConstraint("repeat_every_weeks >= 1", name="repeat_every_positive"),
        sa.CheckConstraint("repeat_count >= 1", name="repeat_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    itinerary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("itinerary.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(nullable=False)
    kind: Mapped[StepKind] = mapped_column(enum_type(StepKind), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Counts from 1, the week of the cohort's ``starts_on``.
    week: Mapped[int] = mapped_column(nullable=False)
    #: ISO weekday, 1 = Monday to 7 = Sunday.
    weekday: Mapped[int] = mapped_column(nullable=False)
    #: Local wall-clock time in the cohort's zone.
    start_time: Mapped[time] = mapped_column(sa.Time, nullable=False)
    duration_minutes: Mapped[int] = mapped_column(nullable=False)
    repeat_every_weeks: Mapped[int] = mapped_column(nullable=False, default=1)
    #: How many meetings in all, the first included.
    repeat_count: Mapped[int] = mapped_column(nullable=False, default=1)

    itinerary: Mapped[Itinerary] = relationship(back_populates="steps")

    @property
    def last_week(self) -> int:
        return self.week + (self.repeat_count - 1) * self.repeat_every_weeks


class Cohort(Model):
    """One run of an itinerary from ``starts_on`` in ``timezone``."""

    __tablename__ = "cohort"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint(
            "admitted_count >= 0 AND admitted_count <= capacity", name="admitted_within_capacity"
        ),
        sa.CheckConstraint("waitlist_count >= 0", name="waitlist_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme it belongs to (lms.programmes.permissions says who acts in it).
    programme_id: Mapped[int] = programme_column()
    itinerary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("itinerary.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    capacity: Mapped[int] = mapped_column(nullable=False, default=DEFAULT_COHORT_CAPACITY)
    #: Entities admitted; kept under the cohort's lock, bounded by a CHECK.
    admitted_count: Mapped[int] = mapped_column(nullable=False, default=0)
    waitlist_count: Mapped[int] = mapped_column(nullable=False, default=0)
    last_arrival: Mapped[int] = mapped_column(nullable=False, default=0)
    #: The office's person for this cohort; leads the cohort-wide meetings.
    referent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="RESTRICT"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    itinerary: Mapped[Itinerary] = relationship()
    referent: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_full(self) -> bool:
        return self.admitted_count >= self.capacity

    def week_of(self, moment: datetime) -> int:
        """The cohort week ``moment`` falls in (0 or less before week 1)."""
        local = moment.astimezone(self.zone).date()
        return (local - week_monday(self.starts_on)).days // 7 + 1


class PlaceState(Labelled):
    #: Holds one of the cohort's places.
    admitted = "admitted", _l("Admitted")
    #: Waits for a place, in arrival order.
    waitlisted = "waitlisted", _l("On the waiting list")
    #: Left the cohort (or taken off its waiting list).
    left = "left", _l("Left")

    @property
    def is_live(self) -> bool:
        return self is not PlaceState.left


class CohortPlace(Model):
    """An entity's place in a cohort: admitted, waiting (in arrival order), or gone."""

    __tablename__ = "cohort_place"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "entity_id"),
        sa.UniqueConstraint("cohort_id", "arrival"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state: Mapped[PlaceState] = mapped_column(enum_type(PlaceState), nullable=False)
    arrival: Mapped[int] = mapped_column(nullable=False)
    #: A person from another entity who accompanies this one; leads its mentoring meetings.
    mentor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    cohort: Mapped[Cohort] = relationship()
    entity: Mapped[Entity] = relationship(lazy="joined", innerjoin=True)
    mentor: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_live(self) -> bool:
        return self.state.is_live

    @property
    def is_admitted(self) -> bool:
        return self.state is PlaceState.admitted


class CohortMeeting(Model):
    """Which step, occurrence and week a cohort's workshop is, and its entity for per-entity
    meetings (mentoring, check-in). Kept here so that workshops know nothing of entities."""

    __tablename__ = "cohort_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False, index=True
    )
    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    step_id: Mapped[int] = mapped_column(
        sa.ForeignKey("itinerary_step.id", ondelete="CASCADE"), nullable=False
    )
    occurrence: Mapped[int] = mapped_column(nullable=False)
    week: Mapped[int] = mapped_column(nullable=False)
    #: The entity a mentoring or check-in meeting is for; None for the whole cohort.
    entity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=True, index=True
    )

    workshop: Mapped[Workshop] = relationship(lazy="joined", innerjoin=True)
    step: Mapped[ItineraryStep] = relationship(lazy="joined", innerjoin=True)


class ProgressStatus(Labelled):
    on_track = "on_track", _l("On track")
    at_risk = "at_risk", _l("At risk")
    blocked = "blocked", _l("Blocked")


class CheckIn(Model):
    """The weekly progress of one entity in a cohort: one per entity and week."""

    __tablename__ = "check_in"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "entity_id", "week"),
        sa.CheckConstraint("week >= 1", name="week_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=False, index=True
    )
    week: Mapped[int] = mapped_column(nullable=False)
    status: Mapped[ProgressStatus] = mapped_column(enum_type(ProgressStatus), nullable=False)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    recorded_by: Mapped[User | None] = relationship(lazy="joined")


class CheckInReminder(Model):
    """A missing check-in that has been announced (``checkin_missing``), so it is sent once."""

    __tablename__ = "check_in_reminder"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "entity_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=False
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=False
    )
    week: Mapped[int] = mapped_column(nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
