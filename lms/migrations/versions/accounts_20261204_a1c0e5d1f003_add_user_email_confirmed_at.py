"""add user email_confirmed_at

When a person showed that their address is theirs. Accounts that exist already are taken as
confirmed (they were made before confirmation existed).

Revision ID: a1c0e5d1f003
Revises: a1c0e5d1f002
Create Date: 2026-12-04 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c0e5d1f003"
down_revision = "a1c0e5d1f002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute('UPDATE "user" SET email_confirmed_at = created_at')


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("email_confirmed_at")
