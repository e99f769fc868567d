"""create cohorts, places, meetings and check-ins

Revision ID: 7e3a2d9c1f43
Revises: 6d2f1c8b0e32
Create Date: 2026-11-21 06:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7e3a2d9c1f43"
down_revision = "6d2f1c8b0e32"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("itinerary_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("admitted_count", sa.Integer(), nullable=False),
        sa.Column("waitlist_count", sa.Integer(), nullable=False),
        sa.Column("last_arrival", sa.Integer(), nullable=False),
        sa.Column("referent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "admitted_count >= 0 AND admitted_count <= capacity",
            name=op.f("ck_cohort_admitted_within_capacity"),
        ),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_cohort_capacity_positive")),
        sa.CheckConstraint("waitlist_count >= 0", name=op.f("ck_cohort_waitlist_count_positive")),
        sa.ForeignKeyConstraint(
            ["itinerary_id"],
            ["itinerary.id"],
            name=op.f("fk_cohort_itinerary_id_itinerary"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referent_id"],
            ["user.id"],
            name=op.f("fk_cohort_referent_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort")),
    )
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_itinerary_id"), ["itinerary_id"], unique=False)
    op.create_table(
        "cohort_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "admitted",
                "waitlisted",
                "left",
                name="placestate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("arrival", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_cohort_place_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_cohort_place_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["user.id"],
            name=op.f("fk_cohort_place_mentor_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_place")),
        sa.UniqueConstraint("cohort_id", "arrival", name=op.f("uq_cohort_place_cohort_id_arrival")),
        sa.UniqueConstraint(
            "cohort_id", "entity_id", name=op.f("uq_cohort_place_cohort_id_entity_id")
        ),
    )
    with op.batch_alter_table("cohort_place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_place_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohort_place_mentor_id"), ["mentor_id"], unique=False)
    op.create_table(
        "cohort_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_cohort_meeting_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_cohort_meeting_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["itinerary_step.id"],
            name=op.f("fk_cohort_meeting_step_id_itinerary_step"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_cohort_meeting_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_meeting")),
        sa.UniqueConstraint("workshop_id", name=op.f("uq_cohort_meeting_workshop_id")),
    )
    with op.batch_alter_table("cohort_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_meeting_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_meeting_entity_id"), ["entity_id"], unique=False
        )
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "on_track",
                "at_risk",
                "blocked",
                name="progressstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("week >= 1", name=op.f("ck_check_in_week_positive")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_check_in_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_check_in_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
            name=op.f("fk_check_in_recorded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint(
            "cohort_id", "entity_id", "week", name=op.f("uq_check_in_cohort_id_entity_id_week")
        ),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_in_entity_id"), ["entity_id"], unique=False)
    op.create_table(
        "check_in_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_check_in_reminder_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_check_in_reminder_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_reminder")),
        sa.UniqueConstraint(
            "cohort_id",
            "entity_id",
            "week",
            name=op.f("uq_check_in_reminder_cohort_id_entity_id_week"),
        ),
    )


def downgrade():
    op.drop_table("check_in_reminder")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_entity_id"))
    op.drop_table("check_in")
    with op.batch_alter_table("cohort_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_meeting_entity_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_meeting_cohort_id"))
    op.drop_table("cohort_meeting")
    with op.batch_alter_table("cohort_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_place_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_place_entity_id"))
    op.drop_table("cohort_place")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_itinerary_id"))
    op.drop_table("cohort")
