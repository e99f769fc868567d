"""merge the accounts and advice branches of the schema into one head

Revision ID: 7e1f0c2a9b44
Revises: a1c0e5d1f004, 354b059b1937
Create Date: 2026-12-04 19:40:00

"""

# revision identifiers, used by Alembic.
revision = "7e1f0c2a9b44"
down_revision = ("a1c0e5d1f004", "354b059b1937")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
