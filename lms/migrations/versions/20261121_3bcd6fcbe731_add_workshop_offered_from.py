"""add workshop.offered_from_id: the date whose waiting list a new date was offered to

Revision ID: 3bcd6fcbe731
Revises: 8b1d2e7c9a40
Create Date: 2026-11-21 06:03:26.095169

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3bcd6fcbe731"
down_revision = "8b1d2e7c9a40"
branch_labels = None
depends_on = None

FK = "fk_workshop_offered_from_id_workshop"


def upgrade():
    # On SQLite this rebuilds the table; env.py turns foreign keys off around it, so the
    # enrolments that refer to workshops are not cascade-deleted with the old table.
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered_from_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_workshop_offered_from_id", ["offered_from_id"], unique=False)
        batch_op.create_foreign_key(
            FK, "workshop", ["offered_from_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_index("ix_workshop_offered_from_id")
        batch_op.drop_column("offered_from_id")
