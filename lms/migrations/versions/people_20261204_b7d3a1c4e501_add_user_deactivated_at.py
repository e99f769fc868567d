"""add user deactivated_at

When a coordinator deactivated an account (it keeps everything, opens nothing); existing
accounts are active.

Revision ID: b7d3a1c4e501
Revises: 7e1f0c2a9b44
Create Date: 2026-12-04 21:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d3a1c4e501"
down_revision = "7e1f0c2a9b44"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("deactivated_at")
