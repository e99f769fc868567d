"""Entities: organisations (businesses, cooperatives, associations, councils) with members,
one referent, and the initial diagnosis that opens their accompaniment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled
from lms.programmes.models import programme_column

#: An entity's members all fit in its cohort meetings: the meetings' capacity is built on it.
MAX_MEMBERS = 25


class EntityKind(Labelled):
    cooperative = "cooperative", _l("Cooperative")
    association = "association", _l("Association")
    business = "business", _l("Business")
    council = "council", _l("Town council")


class MemberRole(Labelled):
    member = "member", _l("Member")
    #: The entity's one contact person for its whole itinerary.
    referent = "referent", _l("Referent")


class Entity(Model):
    """An organisation that a bootcamp accompanies."""

    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme it belongs to (lms.programmes.permissions says who acts in it).
    programme_id: Mapped[int] = programme_column()
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    kind: Mapped[EntityKind] = mapped_column(enum_type(EntityKind), nullable=False)
    sector: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    #: How many people work in it (staff and active volunteers), when known.
    size: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="entity", order_by="Membership.id", cascade="all, delete-orphan"
    )
    diagnosis: Mapped[Diagnosis | None] = relationship(
        back_populates="entity", uselist=False, cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("size IS NULL OR size >= 1", name="size_positive"),)

    @property
    def referent(self) -> User | None:
        return next((m.user for m in self.memberships if m.role is MemberRole.referent), None)

    @property
    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships}

    def has_member(self, user: User) -> bool:
        return user.is_authenticated and user.id in self.member_ids

    def __repr__(self) -> str:
        return f"<Entity {self.id} {self.name!r}>"


class Membership(Model):
    """A person belongs to an entity, as a member or as its one referent."""

    __tablename__ = "entity_member"
    __table_args__ = (
        sa.UniqueConstraint("entity_id", "user_id"),
        sa.Index(
            "uq_entity_member_one_referent",
            "entity_id",
            unique=True,
            sqlite_where=sa.text("role = 'referent'"),
            postgresql_where=sa.text("role = 'referent'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[MemberRole] = mapped_column(
        enum_type(MemberRole), nullable=False, default=MemberRole.member
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    entity: Mapped[Entity] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Track(Labelled):
    """Where the diagnosis suggests an entity starts; itineraries are labelled with one."""

    #: Little readiness or few hands: basic digital skills and first tools.
    foundations = (
        "foundations",
        _l("Foundations"),
        _l("Foundations: digital skills and first tools"),
    )
    #: Ready to adopt tools and change processes step by step.
    tools = "tools", _l("Tools"), _l("Tools: adopt tools and change processes step by step")
    #: Ready for a deep change of how the organisation works.
    transformation = (
        "transformation",
        _l("Transformation"),
        _l("Transformation: rethink how the organisation works"),
    )


class Need(Labelled):
    """What a diagnosis can find an entity needs."""

    digital_skills = "digital_skills", _l("Basic digital skills")
    cloud_tools = "cloud_tools", _l("Cloud and shared documents")
    teamwork = "teamwork", _l("Teamwork and task tools")
    website = "website", _l("Website")
    online_sales = "online_sales", _l("Online sales")
    social_media = "social_media", _l("Social media")
    management_erp = "management_erp", _l("Management software (ERP such as Odoo)")
    data_protection = "data_protection", _l("Data protection and privacy")
    free_software = "free_software", _l("Moving to free software")


class Diagnosis(Model):
    """The initial diagnosis, on the three factors of the Catalan social-economy office
    (readiness for change, how digital its market can become, people available) plus needs."""

    __tablename__ = "entity_diagnosis"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{f} BETWEEN 1 AND 5", name=f"{f}_range")
        for f in ("readiness", "market", "capacity")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entity.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    #: Readiness for change, 1 (resists) to 5 (asks for it).
    readiness: Mapped[int] = mapped_column(nullable=False)
    #: How digital its market can become, 1 (hardly) to 5 (fully).
    market: Mapped[int] = mapped_column(nullable=False)
    #: Size and people available for the change, 1 (nobody) to 5 (a team).
    capacity: Mapped[int] = mapped_column(nullable=False)
    #: Need codes (``Need`` values), comma-separated.
    needs: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    score: Mapped[int] = mapped_column(nullable=False)
    track: Mapped[Track] = mapped_column(enum_type(Track), nullable=False)
    suggested_itinerary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("itinerary.id", ondelete="SET NULL"), nullable=True
    )
    assessed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    entity: Mapped[Entity] = relationship(back_populates="diagnosis")
    suggested_itinerary = relationship("Itinerary")
    assessed_by: Mapped[User | None] = relationship()

    @property
    def need_list(self) -> list[str]:
        return [n for n in self.needs.split(",") if n]

    @property
    def need_labels(self) -> list[Any]:
        return [Need(n).label for n in self.need_list]
