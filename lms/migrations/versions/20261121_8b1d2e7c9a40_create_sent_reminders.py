"""create sent reminders

Revision ID: 8b1d2e7c9a40
Revises: f5623c56e323
Create Date: 2026-11-21 06:05:27.893820

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8b1d2e7c9a40"
down_revision = "f5623c56e323"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sent_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("minutes_before", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sent_reminder_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_sent_reminder_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminder")),
        sa.UniqueConstraint(
            "workshop_id",
            "user_id",
            "minutes_before",
            "starts_at",
            name=op.f("uq_sent_reminder_workshop_id_user_id_minutes_before_starts_at"),
        ),
    )
    with op.batch_alter_table("sent_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sent_reminder_user_id"), ["user_id"], unique=False)

    # ### end Alembic commands ###
    # ### end Alembic commands ###


def downgrade():

    with op.batch_alter_table("sent_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_reminder_user_id"))

    op.drop_table("sent_reminder")
    # ### end Alembic commands ###
