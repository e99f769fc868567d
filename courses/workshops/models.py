from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled
from lms.programmes.models import programme_column

DEFAULT_CAPACITY = 10


class WorkshopStatus(Labelled):
    scheduled = "scheduled", _l("Scheduled")
    cancelled = "cancelled", _l("Cancelled")


class Audience(enum.Enum):
    #: In the public catalogue; anyone may enrol.
    public = "public"
    #: Open only to one cohort of a bootcamp itinerary.
    cohort = "cohort"


class EnrolmentState(Labelled):
    #: Holds a seat.
    enrolled = "enrolled", _l("Enrolled")
    #: Waits for a seat, in arrival order.
    waitlisted = "waitlisted", _l("On the waiting list")
    withdrawn = "withdrawn", _l("Withdrawn")
    #: Taken off the workshop by its trainer or a coordinator.
    removed = "removed", _l("Removed")

    @property
    def is_live(self) -> bool:
        return self in (EnrolmentState.enrolled, EnrolmentState.waitlisted)


class EnrolmentChange(enum.Enum):
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    promoted = "promoted"
    withdrawn = "withdrawn"
    removed = "removed"


class Attendance(Labelled):
    present = "present", _l("Present")
    late = "late", _l("Late")
    absent = "absent", _l("Absent")
    excused = "excused", _l("Excused")


#: The marks that count as having come (for certificates and attendance rates).
ATTENDED = (Attendance.present, Attendance.late)


class Course(Model):
    """A catalogue entry: one topic that can be given on many dates."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    topic: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


class Workshop(Model):
    """One dated, capped occurrence. Every dated thing in Aula is a Workshop."""

    __tablename__ = "workshop"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint(
            "enrolled_count >= 0 AND enrolled_count <= capacity", name="enrolled_within_capacity"
        ),
        sa.CheckConstraint("waitlist_count >= 0", name="waitlist_count_positive"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme it belongs to (lms.programmes.permissions says who acts in it).
    programme_id: Mapped[int] = programme_column()
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    topic: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="", index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: The IANA zone the workshop is planned in; its wall-clock times are the true ones.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    capacity: Mapped[int] = mapped_column(nullable=False, default=DEFAULT_CAPACITY)
    #: Seats taken; kept by operations under the workshop's lock, bounded by a CHECK.
    enrolled_count: Mapped[int] = mapped_column(nullable=False, default=0)
    #: People waiting; kept with enrolled_count so a catalogue page is one query.
    waitlist_count: Mapped[int] = mapped_column(nullable=False, default=0)
    #: The last arrival number handed out; enrolments queue in this order.
    last_arrival: Mapped[int] = mapped_column(nullable=False, default=0)
    trainer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[WorkshopStatus] = mapped_column(
        enum_type(WorkshopStatus), nullable=False, default=WorkshopStatus.scheduled
    )
    audience: Mapped[Audience] = mapped_column(
        enum_type(Audience), nullable=False, default=Audience.public
    )
    #: The bootcamp cohort a restricted workshop belongs to (``audience`` is ``cohort``).
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), nullable=True, index=True
    )
    #: The workshop whose waiting list this date was offered to ("open another date").
    offered_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: iCalendar SEQUENCE: raised on every change that calendars must follow.
    sequence: Mapped[int] = mapped_column(nullable=False, default=0)
    #: When the calendar's view of the workshop (title, description, times, status) last
    #: changed, with ``sequence``: the DTSTAMP and Last-Modified of feeds. Unlike
    #: ``updated_at`` it does not move when seats are taken.
    calendar_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    trainer: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    course: Mapped[Course | None] = relationship()
    offered_from: Mapped[Workshop | None] = relationship(remote_side=[id])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def seats_left(self) -> int:
        return self.capacity - self.enrolled_count

    @property
    def is_full(self) -> bool:
        return self.enrolled_count >= self.capacity

    @property
    def is_cancelled(self) -> bool:
        return self.status is WorkshopStatus.cancelled

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.starts_at

    def is_open_for_enrolment(self, now: datetime | None = None) -> bool:
        return not self.is_cancelled and not self.has_started(now)

    def is_another_date_of(self, other: Workshop) -> bool:
        """Another workshop of the same course, or of the same (named) topic."""
        if self.id == other.id:
            return False
        if self.course_id is not None and self.course_id == other.course_id:
            return True
        return bool(self.topic) and self.topic == other.topic

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.title!r} {self.enrolled_count}/{self.capacity}>"


class Enrolment(Model):
    """A person's place in a workshop: a seat, a place in the waiting list, or a past one."""

    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "user_id"),
        sa.UniqueConstraint("workshop_id", "arrival"),
        sa.Index("ix_enrolment_queue", "workshop_id", "state", "arrival"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state: Mapped[EnrolmentState] = mapped_column(enum_type(EnrolmentState), nullable=False)
    #: Order of arrival of the latest request in this workshop: the waiting list's order.
    arrival: Mapped[int] = mapped_column(nullable=False)
    #: Raised on every change of state, so that invitations can raise their SEQUENCE.
    revision: Mapped[int] = mapped_column(nullable=False, default=0)
    attendance: Mapped[Attendance | None] = mapped_column(enum_type(Attendance), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    workshop: Mapped[Workshop] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.state.is_live

    @property
    def attended(self) -> bool:
        """Held a seat and came, on time or late."""
        return self.state is EnrolmentState.enrolled and self.attendance in ATTENDED

    def __repr__(self) -> str:
        return f"<Enrolment w{self.workshop_id} u{self.user_id} {self.state.value} #{self.arrival}>"
