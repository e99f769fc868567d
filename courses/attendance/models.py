"""Attendance: who came. Room joins recorded by the video rooms pre-fill it.

The status itself lives on the enrolment (``Enrolment.attendance``: what the roster shows);
this package adds who set it, when, and whether it came from the room or from a person, in
a table of its own (one row per marked enrolment) so that the enrolment table, which other
features change, is left alone.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.workshops.models import Enrolment
from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow


class RoomJoin(Model):
    """Someone opened a workshop's video room through Aula's ``/join`` address."""

    __tablename__ = "room_join"
    __table_args__ = (sa.Index("ix_room_join_workshop_user", "workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class AttendanceSource(enum.Enum):
    #: Pre-filled as present because the person entered the room through ``/join``.
    room = "room"
    #: Set or confirmed by the workshop's trainer or a coordinator.
    trainer = "trainer"


class AttendanceMark(Model):
    """Who marked an enrolment's attendance, when, and from where.

    Exists exactly when ``Enrolment.attendance`` is set; both are written together by
    :mod:`courses.attendance.operations` only.
    """

    __tablename__ = "attendance_mark"

    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[AttendanceSource] = mapped_column(enum_type(AttendanceSource), nullable=False)
    #: The person who set it; None when it came from the room (or that account is gone).
    marked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    marked_by: Mapped[User | None] = relationship()

    @property
    def from_room(self) -> bool:
        return self.source is AttendanceSource.room
