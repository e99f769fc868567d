from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import Model, UTCDateTime, enum_type, utcnow
from lms.enums import Labelled


class StaffActionKind(Labelled):
    created = "created", _l("Account created")
    imported = "imported", _l("Imported")
    role_changed = "role_changed", _l("Role changed")
    deactivated = "deactivated", _l("Account deactivated")
    reactivated = "reactivated", _l("Account reactivated")
    enrolled = "enrolled", _l("Enrolled on their behalf")
    withdrawn = "withdrawn", _l("Withdrawn on their behalf")
    moved = "moved", _l("Moved to another date")


class StaffAction(Model):
    """What a coordinator did on someone's behalf: the record of who did it, and when."""

    __tablename__ = "staff_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Who did it; None once their account is gone.
    staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: On whose behalf.
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[StaffActionKind] = mapped_column(enum_type(StaffActionKind), nullable=False)
    #: The workshop it was about (the new date, for a move).
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True
    )
    #: A few words more: the new role, the earlier date of a move, the file imported.
    detail: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")

    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])


class PeopleImport(Model):
    """A file of people read and checked, kept between its preview and its confirmation:
    the rows as parsed (never the file), for the coordinator who sent it, until it expires."""

    __tablename__ = "people_import"

    #: Random and unguessable: the preview's address.
    id: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Each row as checked: ``{"line", "outcome", "reason", "email", "name", ...}``.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: When it was written; a confirmed import is not written twice.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def counts(self) -> dict[str, int]:
        found = {"new": 0, "updated": 0, "error": 0}
        for row in self.rows:
            found[row["outcome"]] += 1
        return found
