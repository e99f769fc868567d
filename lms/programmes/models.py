from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled


class ProgrammeRole(Labelled):
    """What a person is within one programme; the same person may hold another elsewhere."""

    coordinator = "coordinator", _l("Coordinator")
    trainer = "trainer", _l("Trainer")
    advisor = "advisor", _l("Advisor")
    learner = "learner", _l("Learner")

    @property
    def is_staff(self) -> bool:
        return self is not ProgrammeRole.learner


#: The roles that make a person staff of a programme.
STAFF = (ProgrammeRole.coordinator, ProgrammeRole.trainer, ProgrammeRole.advisor)
#: The roles that may plan and teach workshops in a programme.
TEACHING = (ProgrammeRole.coordinator, ProgrammeRole.trainer)


class Programme(Model):
    """A space of its own on one server: its staff, workshops, topics, cohorts and entities."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Its address: ``/programmes/<slug>``, ``?programme=<slug>``.
    slug: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    #: One of the site's LANGUAGES: what a person who joins from its pages reads by default.
    locale: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    #: IANA zone of its workshops and of the people who join from its pages.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: The days it does not meet: ``MM-DD`` every year, ``YYYY-MM-DD`` once, separated by
    #: spaces; empty keeps the site's ``HOLIDAYS`` (:func:`.queries.holidays_of`).
    holidays: Mapped[str] = mapped_column(
        sa.String(2000), nullable=False, default="", server_default=""
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    members: Mapped[list[ProgrammeMember]] = relationship(
        back_populates="programme", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.slug}>"


class ProgrammeMember(Model):
    """A person's role in one programme: one row per role they hold there."""

    __tablename__ = "programme_member"
    __table_args__ = (sa.UniqueConstraint("programme_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[ProgrammeRole] = mapped_column(enum_type(ProgrammeRole), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


def programme_column() -> Mapped[int]:
    """The ``programme_id`` of a thing that belongs to one programme (a workshop, a topic,
    an itinerary, a cohort, an entity). A programme with things in it cannot be deleted."""
    return mapped_column(
        sa.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False, index=True
    )
