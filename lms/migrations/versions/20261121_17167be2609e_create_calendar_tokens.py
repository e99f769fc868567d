"""create calendar tokens

One feed token per person, stored as its SHA-256.

Revision ID: 17167be2609e
Revises: 0a345e0f88fa
Create Date: 2026-11-21 06:04:26.348600

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "17167be2609e"
down_revision = "0a345e0f88fa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_calendar_token_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_token_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_token_user_id")),
    )


def downgrade():
    op.drop_table("calendar_token")
