"""create attendance marks: who marked an enrolment's attendance, when, from where

Revision ID: 856459910c17
Revises: bbeb8aa84d72
Create Date: 2026-11-21 06:04:44.094393

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "856459910c17"
down_revision = "bbeb8aa84d72"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance_mark",
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "room",
                "trainer",
                name="attendancesource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_attendance_mark_enrolment_id_enrolment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["user.id"],
            name=op.f("fk_attendance_mark_marked_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("enrolment_id", name=op.f("pk_attendance_mark")),
    )


def downgrade():
    op.drop_table("attendance_mark")
