"""add the cohort of a workshop

Revision ID: 8f4b3e0d2a54
Revises: 7e3a2d9c1f43
Create Date: 2026-11-21 06:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8f4b3e0d2a54"
down_revision = "7e3a2d9c1f43"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_workshop_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_workshop_cohort_id_cohort"),
            "cohort",
            ["cohort_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_workshop_cohort_id_cohort"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_workshop_cohort_id"))
        batch_op.drop_column("cohort_id")
