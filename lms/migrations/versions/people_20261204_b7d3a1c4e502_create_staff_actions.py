"""create staff_action

What a coordinator did on someone's behalf (an account made, a role changed, an enrolment,
a withdrawal, a move to another date, an import), by whom and when. Nothing to migrate:
what was done from the shell before left no record.

Revision ID: b7d3a1c4e502
Revises: b7d3a1c4e501
Create Date: 2026-12-04 21:11:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d3a1c4e502"
down_revision = "b7d3a1c4e501"
branch_labels = None
depends_on = None

KINDS = (
    "created",
    "imported",
    "role_changed",
    "deactivated",
    "reactivated",
    "enrolled",
    "withdrawn",
    "moved",
)


def upgrade():
    op.create_table(
        "staff_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "staff_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "person_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="staffactionkind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "workshop_id",
            sa.Integer(),
            sa.ForeignKey("workshop.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("detail", sa.String(200), nullable=False),
    )
    op.create_index("ix_staff_action_person_id", "staff_action", ["person_id"])
    op.create_index("ix_staff_action_staff_id", "staff_action", ["staff_id"])


def downgrade():
    op.drop_index("ix_staff_action_staff_id", "staff_action")
    op.drop_index("ix_staff_action_person_id", "staff_action")
    op.drop_table("staff_action")
