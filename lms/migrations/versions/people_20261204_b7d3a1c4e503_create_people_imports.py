"""create people_import

A file of people read and checked, kept on the server between its preview and its
confirmation (keyed by a random id, for the coordinator who sent it, until it expires).

Revision ID: b7d3a1c4e503
Revises: b7d3a1c4e502
Create Date: 2026-12-04 21:12:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d3a1c4e503"
down_revision = "b7d3a1c4e502"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "people_import",
        sa.Column("id", sa.String(43), primary_key=True),
        sa.Column(
            "staff_id", sa.Integer(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_people_import_staff_id", "people_import", ["staff_id"])


def downgrade():
    op.drop_index("ix_people_import_staff_id", "people_import")
    op.drop_table("people_import")
