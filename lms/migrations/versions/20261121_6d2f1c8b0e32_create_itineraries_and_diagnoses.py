"""create itineraries and diagnoses

Revision ID: 6d2f1c8b0e32
Revises: 5c1e0b7a9d21
Create Date: 2026-11-21 06:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6d2f1c8b0e32"
down_revision = "5c1e0b7a9d21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "itinerary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "track",
            sa.Enum(
                "foundations",
                "tools",
                "transformation",
                name="track",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_itinerary")),
    )
    op.create_table(
        "itinerary_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("itinerary_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "diagnosis",
                "workshop",
                "mentoring",
                "check-in",
                "mutual-aid",
                name="stepkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("repeat_every_weeks", sa.Integer(), nullable=False),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 720", name=op.f("ck_itinerary_step_duration_range")
        ),
        sa.CheckConstraint(
            "repeat_count >= 1", name=op.f("ck_itinerary_step_repeat_count_positive")
        ),
        sa.CheckConstraint(
            "repeat_every_weeks >= 1", name=op.f("ck_itinerary_step_repeat_every_positive")
        ),
        sa.CheckConstraint("week >= 1", name=op.f("ck_itinerary_step_week_positive")),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name=op.f("ck_itinerary_step_weekday_iso")),
        sa.ForeignKeyConstraint(
            ["itinerary_id"],
            ["itinerary.id"],
            name=op.f("fk_itinerary_step_itinerary_id_itinerary"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_itinerary_step")),
        sa.UniqueConstraint(
            "itinerary_id", "position", name=op.f("uq_itinerary_step_itinerary_id_position")
        ),
    )
    op.create_table(
        "entity_diagnosis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("readiness", sa.Integer(), nullable=False),
        sa.Column("market", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("needs", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column(
            "track",
            sa.Enum(
                "foundations",
                "tools",
                "transformation",
                name="track",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("suggested_itinerary_id", sa.Integer(), nullable=True),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity BETWEEN 1 AND 5", name=op.f("ck_entity_diagnosis_capacity_range")
        ),
        sa.CheckConstraint("market BETWEEN 1 AND 5", name=op.f("ck_entity_diagnosis_market_range")),
        sa.CheckConstraint(
            "readiness BETWEEN 1 AND 5", name=op.f("ck_entity_diagnosis_readiness_range")
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"],
            ["user.id"],
            name=op.f("fk_entity_diagnosis_assessed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_entity_diagnosis_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["suggested_itinerary_id"],
            ["itinerary.id"],
            name=op.f("fk_entity_diagnosis_suggested_itinerary_id_itinerary"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_diagnosis")),
        sa.UniqueConstraint("entity_id", name=op.f("uq_entity_diagnosis_entity_id")),
    )


def downgrade():
    op.drop_table("entity_diagnosis")
    op.drop_table("itinerary_step")
    op.drop_table("itinerary")
