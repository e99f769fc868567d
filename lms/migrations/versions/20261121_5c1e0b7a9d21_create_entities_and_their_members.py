"""create entities and their members

Revision ID: 5c1e0b7a9d21
Revises: 856459910c17
Create Date: 2026-11-21 06:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e0b7a9d21"
down_revision = "856459910c17"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "business",
                "cooperative",
                "association",
                "council",
                name="entitykind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size IS NULL OR size >= 1", name=op.f("ck_entity_size_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity")),
        sa.UniqueConstraint("name", name=op.f("uq_entity_name")),
    )
    op.create_table(
        "entity_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member", "referent", name="memberrole", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_entity_member_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_entity_member_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_member")),
        sa.UniqueConstraint(
            "entity_id", "user_id", name=op.f("uq_entity_member_entity_id_user_id")
        ),
    )
    with op.batch_alter_table("entity_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entity_member_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_entity_member_one_referent",
            ["entity_id"],
            unique=True,
            sqlite_where=sa.text("role = 'referent'"),
            postgresql_where=sa.text("role = 'referent'"),
        )


def downgrade():
    with op.batch_alter_table("entity_member", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_entity_member_one_referent",
            sqlite_where=sa.text("role = 'referent'"),
            postgresql_where=sa.text("role = 'referent'"),
        )
        batch_op.drop_index(batch_op.f("ix_entity_member_user_id"))
    op.drop_table("entity_member")
    op.drop_table("entity")
