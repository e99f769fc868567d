"""add workshop calendar_changed_at

When the calendar's view of a workshop last changed: the DTSTAMP and Last-Modified of feeds.
Existing workshops start from their last update.

Revision ID: 0a345e0f88fa
Revises: 8f4b3e0d2a54
Create Date: 2026-11-21 06:04:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0a345e0f88fa"
down_revision = "8f4b3e0d2a54"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_changed_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE workshop SET calendar_changed_at = updated_at")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.alter_column(
            "calendar_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("calendar_changed_at")
