"""index workshops for the catalogue feed

Lets the catalogue feed's ETag and Last-Modified be read from this index alone.

Revision ID: e009a3dcd736
Revises: 17167be2609e
Create Date: 2026-11-21 06:14:07.795635

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e009a3dcd736"
down_revision = "17167be2609e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workshop_catalogue_feed",
            ["audience", "starts_at", "calendar_changed_at", "topic"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_catalogue_feed")
