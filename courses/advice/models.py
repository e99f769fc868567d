"""The advice desk: topics, their advisors and advisors' hours, requests (cases), their
consultations, the advisors' private notes, and the need level of organisations.

A consultation is held in a Workshop of its own (capacity 1, not in the catalogue, its advisor
as trainer and its requester enrolled), so that its video room, invitations, reminders and
calendar entries are the workshops' own, written once.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, db, enum_type, utcnow
from lms.enums import Labelled
from lms.programmes.models import programme_column

#: The languages a topic is named in.
TOPIC_LANGUAGES = ("es", "ca", "gl", "en")
DEFAULT_SLOT_MINUTES = 45


class CaseState(Labelled):
    #: No advisor yet: the topic has none, or a coordinator must choose.
    unassigned = "unassigned", _l("Waiting for an advisor")
    #: Routed to an advisor; consultations are booked and held.
    open = "open", _l("Open")
    closed = "closed", _l("Closed")


class Urgency(Labelled):
    low = "low", _l("It can wait")
    normal = "normal", _l("In the coming weeks")
    high = "high", _l("Urgent")


class ConsultationState(Labelled):
    booked = "booked", _l("Booked")
    held = "held", _l("Held")
    cancelled = "cancelled", _l("Cancelled")


class NeedLevel(Labelled):
    """The programme's scale of priorities (Smartpeme's three: firms with an online shop,
    then inactive firms that must strengthen their presence online, then those who come to
    learn)."""

    first = "first", _l("First: sells online"), _l("First: has an online shop to keep going")
    second = "second", _l("Second: must get online"), _l("Second: must strengthen its presence")
    third = "third", _l("Third: comes to learn"), _l("Third: comes to learn")


class Topic(Model):
    """A consultation topic, named in each language of the site."""

    __tablename__ = "advice_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme it belongs to (lms.programmes.permissions says who acts in it).
    programme_id: Mapped[int] = programme_column()
    name_es: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_ca: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_gl: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: Inactive topics take no new requests; their cases stay.
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    advisors: Mapped[list[Advisor]] = relationship(
        secondary="advice_topic_advisor", order_by="Advisor.user_id", back_populates="topics"
    )

    def name_in(self, locale: str) -> str:
        return getattr(self, f"name_{locale}", None) or self.name_en

    @property
    def name(self) -> str:
        from flask_babel import get_locale

        return self.name_in(str(get_locale() or "en"))

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.name_en!r}>"


class Advisor(Model):
    """A person who gives consultations, with their weekly hours. Booking locks this row."""

    __tablename__ = "advice_advisor"
    __table_args__ = (
        sa.CheckConstraint("slot_minutes BETWEEN 10 AND 240", name="slot_minutes_range"),
    )

    #: The advisor is a person: their user id is their advisor id, in the API too.
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: The IANA zone the weekly hours are in.
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: The length of one consultation.
    slot_minutes: Mapped[int] = mapped_column(nullable=False, default=DEFAULT_SLOT_MINUTES)
    #: When a request was last routed here: the round robin's tie-break.
    last_routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    topics: Mapped[list[Topic]] = relationship(
        secondary="advice_topic_advisor", order_by="Topic.id", back_populates="advisors"
    )
    hours: Mapped[list[Hours]] = relationship(
        order_by="(Hours.weekday, Hours.starts)", cascade="all, delete-orphan"
    )
    days_off: Mapped[list[DayOff]] = relationship(
        order_by="DayOff.day", cascade="all, delete-orphan"
    )

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def name(self) -> str:
        return self.user.name

    def __repr__(self) -> str:
        return f"<Advisor u{self.user_id}>"


topic_advisor = sa.Table(
    "advice_topic_advisor",
    db.metadata,
    sa.Column("topic_id", sa.ForeignKey("advice_topic.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "advisor_id", sa.ForeignKey("advice_advisor.user_id", ondelete="CASCADE"), primary_key=True
    ),
)


class Hours(Model):
    """A weekly stretch of an advisor's time, in their zone: ISO weekday, local start and end."""

    __tablename__ = "advice_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        sa.CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_advisor.user_id", ondelete="CASCADE"), nullable=False, index=True
    )
    weekday: Mapped[int] = mapped_column(nullable=False)
    starts: Mapped[time] = mapped_column(sa.Time, nullable=False)
    ends: Mapped[time] = mapped_column(sa.Time, nullable=False)


class DayOff(Model):
    """An exception to the weekly hours: a local date the advisor takes no consultations."""

    __tablename__ = "advice_day_off"
    __table_args__ = (sa.UniqueConstraint("advisor_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_advisor.user_id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(sa.Date, nullable=False)


class Case(Model):
    """A request for advice and everything that follows from it."""

    __tablename__ = "advice_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_topic.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    requester_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    advisor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("advice_advisor.user_id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: The organisation asking: an existing entity, or the name of a new one.
    entity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="SET NULL"), nullable=True, index=True
    )
    organisation: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    #: What they want, in their words.
    need: Mapped[str] = mapped_column(sa.Text, nullable=False)
    urgency: Mapped[Urgency] = mapped_column(
        enum_type(Urgency), nullable=False, default=Urgency.normal
    )
    #: Consent to the use of the request's data for the programme's figures.
    consent: Mapped[bool] = mapped_column(nullable=False)
    state: Mapped[CaseState] = mapped_column(enum_type(CaseState), nullable=False)
    #: The case whose consultation referred this one to its topic.
    referred_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("advice_case.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (sa.CheckConstraint("consent", name="consent_given"),)

    topic: Mapped[Topic] = relationship(lazy="joined", innerjoin=True)
    requester: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    advisor: Mapped[Advisor | None] = relationship()
    referred_from: Mapped[Case | None] = relationship(remote_side=[id], back_populates="referrals")
    referrals: Mapped[list[Case]] = relationship(back_populates="referred_from", order_by="Case.id")
    consultations: Mapped[list[Consultation]] = relationship(
        back_populates="case", order_by="Consultation.starts_at"
    )
    notes: Mapped[list[Note]] = relationship(order_by="Note.id", cascade="all, delete-orphan")

    @property
    def booked(self) -> Consultation | None:
        """The consultation booked and still to be held, if any."""
        return next((c for c in self.consultations if c.is_booked), None)

    def __repr__(self) -> str:
        return f"<Case {self.id} t{self.topic_id} {self.state.value}>"


class Consultation(Model):
    """One dated meeting of a case's requester and advisor, held in its own Workshop."""

    __tablename__ = "advice_consultation"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The database's own backstop of the advisor's lock: one live booking per start.
        sa.Index(
            "uq_advice_consultation_advisor_start",
            "advisor_id",
            "starts_at",
            unique=True,
            sqlite_where=sa.text("state = 'booked'"),
            postgresql_where=sa.text("state = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_case.id", ondelete="CASCADE"), nullable=False, index=True
    )
    advisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_advisor.user_id", ondelete="RESTRICT"), nullable=False
    )
    #: The workshop that carries its room, invitations, reminders and feed entries.
    workshop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[ConsultationState] = mapped_column(
        enum_type(ConsultationState), nullable=False, default=ConsultationState.booked
    )
    #: Raised on every reschedule (its workshop's SEQUENCE rises with it).
    sequence: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="consultations")
    advisor: Mapped[Advisor] = relationship()

    @property
    def is_booked(self) -> bool:
        return self.state is ConsultationState.booked


class Note(Model):
    """An advisor's private note on a case: never shown to its requester."""

    __tablename__ = "advice_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advice_case.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    author: Mapped[User | None] = relationship()


class EntityNeed(Model):
    """The need level coordinators give an organisation, to set priorities."""

    __tablename__ = "advice_entity_need"

    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[NeedLevel] = mapped_column(enum_type(NeedLevel), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
