"""The programmes migration (b7d4e2f19c30) on a database holding data, SQLite and PostgreSQL:
every workshop, topic, itinerary, cohort and entity lands in one default programme, its staff
come with their roles, coordinators become site administrators, and it goes back down."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lms import create_app
from lms.db import db

BEFORE, AFTER = "b7d3a1c4e503", "b7d4e2f19c30"


def _filler(column: sa.Column) -> Any:
    kind = column.type.python_type if hasattr(column.type, "python_type") else str
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is datetime:
        return datetime.now(UTC)
    if kind is date:
        return date(2030, 1, 7)
    return "x"


def _insert(conn: sa.Connection, table_name: str, **values: Any) -> int:
    """A row with ``values``, every other NOT NULL column filled with a plain value."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            values[column.name] = _filler(column)
    return conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def test_existing_rows_move_into_one_default_programme(tmp_path, empty_database):
    # An install with people, workshops, an entity, an itinerary, a cohort and an advice topic
    # upgrades: all in the default programme, programme_id NOT NULL, staff by role.
    from flask_migrate import downgrade, upgrade

    from lms.setup import MIGRATIONS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "AUTO_SETUP": False, "SECRET_KEY": "t"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        start = datetime.now(UTC) + timedelta(days=3)
        with db.engine.begin() as conn:
            people = {
                role: _insert(conn, "user", email=f"{role}@aula.test", role=role, locale="")
                for role in ("coordinator", "trainer", "learner")
            }
            workshop = _insert(
                conn, "workshop", trainer_id=people["trainer"], status="scheduled",
                audience="public", capacity=10, enrolled_count=0, waitlist_count=0,
                starts_at=start, ends_at=start + timedelta(hours=1), timezone="Europe/Madrid",
            )  # fmt: skip
            entity = _insert(conn, "entity", name="Coop", kind="cooperative", size=None)
            itinerary = _insert(conn, "itinerary", name="Itinerari", track=None)
            cohort = _insert(
                conn, "cohort", itinerary_id=itinerary, referent_id=people["coordinator"],
                capacity=10, admitted_count=0, waitlist_count=0, timezone="Europe/Madrid",
            )  # fmt: skip
            topic = _insert(conn, "advice_topic", active=True)
            conn.execute(
                sa.text(
                    "INSERT INTO advice_advisor (user_id, timezone, slot_minutes, created_at) "
                    "VALUES (:u, 'Europe/Madrid', 45, :t)"
                ),
                {"u": people["trainer"], "t": datetime.now(UTC)},
            )
        upgrade(directory=MIGRATIONS, revision="heads")
        with db.engine.connect() as conn:
            [(programme_id, slug)] = conn.execute(sa.text("SELECT id, slug FROM programme"))
            assert slug == "aula"
            for table, row in (("workshop", workshop), ("entity", entity),
                               ("itinerary", itinerary), ("cohort", cohort),
                               ("advice_topic", topic)):  # fmt: skip
                found = conn.execute(
                    sa.text(f"SELECT programme_id FROM {table} WHERE id = :i"), {"i": row}
                ).scalar_one()
                assert found == programme_id, table
                column = {c["name"]: c for c in sa.inspect(conn).get_columns(table)}
                assert column["programme_id"]["nullable"] is False, table
            roles = set(conn.execute(sa.text("SELECT user_id, role FROM programme_member")))
            assert roles == {
                (people["coordinator"], "coordinator"),
                (people["trainer"], "trainer"),
                (people["trainer"], "advisor"),
                (people["learner"], "learner"),
            }
            admins = set(conn.execute(sa.text('SELECT email FROM "user" WHERE is_admin')))
            assert admins == {("coordinator@aula.test",)}
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.connect() as conn:
            assert "programme" not in sa.inspect(conn).get_table_names()
            assert "programme_id" not in {
                c["name"] for c in sa.inspect(conn).get_columns("workshop")
            }
            assert conn.execute(sa.text("SELECT count(*) FROM workshop")).scalar_one() == 1
        db.engine.dispose()
