"""create video rooms

Revision ID: bbeb8aa84d72
Revises: 42d4a062c33b
Create Date: 2026-11-21 06:04:24.751930

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "bbeb8aa84d72"
down_revision = "42d4a062c33b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "video_room",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_video_room_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workshop_id", name=op.f("pk_video_room")),
        sa.UniqueConstraint("key", name=op.f("uq_video_room_key")),
    )


def downgrade():
    op.drop_table("video_room")
