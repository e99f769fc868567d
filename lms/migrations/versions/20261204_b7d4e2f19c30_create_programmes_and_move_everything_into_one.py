"""create programmes and their staff; move every workshop, topic, itinerary, cohort and entity
into one default programme

Existing data all lands in one programme, "Aula" (slug ``aula``, the site's default language
and zone): every coordinator becomes its coordinator, every trainer its trainer, every advisor
of the advice desk its advisor, every other person a learner in it. Existing coordinators also
become site administrators, so that an existing install behaves as before (they see and manage
everything, and can open the next programme); ``flask --app lms users admin --email E --off``
takes it back.

Revision ID: b7d4e2f19c30
Revises: b7d3a1c4e503
Create Date: 2026-12-04 21:20:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d4e2f19c30"
down_revision = "b7d3a1c4e503"
branch_labels = None
depends_on = None

#: The tables whose rows each belong to one programme.
OWNED = ("workshop", "advice_topic", "itinerary", "cohort", "entity")


def _defaults() -> tuple[str, str]:
    try:
        from flask import current_app

        return current_app.config["BABEL_DEFAULT_LOCALE"], current_app.config["DEFAULT_TIMEZONE"]
    except (ImportError, RuntimeError, KeyError):
        return "en", "Europe/Madrid"


def upgrade():
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("slug", name=op.f("uq_programme_slug")),
    )
    op.create_table(
        "programme_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "coordinator",
                "trainer",
                "advisor",
                "learner",
                name="programmerole",
                native_enum=False,
                create_constraint=True,
                length=11,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_member_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_programme_member_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_member")),
        sa.UniqueConstraint(
            "programme_id",
            "user_id",
            "role",
            name=op.f("uq_programme_member_programme_id_user_id_role"),
        ),
    )
    with op.batch_alter_table("programme_member") as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_member_user_id"), ["user_id"])
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    conn = op.get_bind()
    locale, zone = _defaults()
    now: object = datetime.now(UTC)
    if conn.dialect.name == "sqlite":  # stored naive, in UTC, as lms.db.UTCDateTime does
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute(
        sa.text(
            "INSERT INTO programme (name, slug, locale, timezone, created_at) "
            "VALUES ('Aula', 'aula', :locale, :zone, :now)"
        ),
        {"locale": locale, "zone": zone, "now": now},
    )
    default_id = conn.execute(sa.text("SELECT id FROM programme WHERE slug = 'aula'")).scalar_one()

    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        conn.execute(sa.text(f"UPDATE {table} SET programme_id = :p"), {"p": default_id})
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_programme_id"), ["programme_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_programme_id_programme"),
                "programme",
                ["programme_id"],
                ["id"],
                ondelete="RESTRICT",
            )

    staff = {"coordinator": "coordinator", "trainer": "trainer", "learner": "learner"}
    for user_role, programme_role in staff.items():
        conn.execute(
            sa.text(
                "INSERT INTO programme_member (programme_id, user_id, role, created_at) "
                'SELECT :p, id, :r, :now FROM "user" WHERE role = :u'
            ),
            {"p": default_id, "r": programme_role, "u": user_role, "now": now},
        )
    conn.execute(
        sa.text(
            "INSERT INTO programme_member (programme_id, user_id, role, created_at) "
            "SELECT :p, user_id, 'advisor', :now FROM advice_advisor"
        ),
        {"p": default_id, "now": now},
    )
    conn.execute(
        sa.text("UPDATE \"user\" SET is_admin = :t WHERE role = 'coordinator'"), {"t": True}
    )


def downgrade():
    for table in reversed(OWNED):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_programme_id_programme"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_programme_id"))
            batch_op.drop_column("programme_id")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("is_admin")
    with op.batch_alter_table("programme_member") as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_member_user_id"))
    op.drop_table("programme_member")
    op.drop_table("programme")
