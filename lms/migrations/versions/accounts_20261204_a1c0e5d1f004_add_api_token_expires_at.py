"""add api_token expires_at

API tokens expire. Tokens made before this open the API for 90 days after they were made.

Revision ID: a1c0e5d1f004
Revises: a1c0e5d1f003
Create Date: 2026-12-04 18:45:00

"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c0e5d1f004"
down_revision = "a1c0e5d1f003"
branch_labels = None
depends_on = None

LIFETIME = timedelta(days=90)


def upgrade():
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    for token_id, created_at in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(
            tokens.update().where(tokens.c.id == token_id).values(expires_at=created_at + LIFETIME)
        )
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_column("expires_at")
