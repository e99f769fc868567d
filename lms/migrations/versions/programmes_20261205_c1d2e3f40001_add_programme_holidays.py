"""add programme holidays

The days a programme does not meet (``MM-DD`` every year, ``YYYY-MM-DD`` once), separated
by spaces; empty keeps the site's ``HOLIDAYS``.

Revision ID: c1d2e3f40001
Revises: b7d4e2f19c30
Create Date: 2026-12-05 08:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1d2e3f40001"
down_revision = "b7d4e2f19c30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programme") as batch_op:
        batch_op.add_column(
            sa.Column("holidays", sa.String(2000), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("programme") as batch_op:
        batch_op.drop_column("holidays")
