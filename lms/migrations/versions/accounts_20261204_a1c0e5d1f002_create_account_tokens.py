"""create account tokens

Single-use, expiring links sent by e-mail (password reset, address confirmation), kept as
their SHA-256.

Revision ID: a1c0e5d1f002
Revises: a1c0e5d1f001
Create Date: 2026-12-04 18:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c0e5d1f002"
down_revision = "a1c0e5d1f001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "reset",
                "confirm",
                name="tokenpurpose",
                native_enum=False,
                create_constraint=True,
                length=7,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_account_token_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    with op.batch_alter_table("account_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_account_token_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("account_token") as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_token_user_id"))
    op.drop_table("account_token")
