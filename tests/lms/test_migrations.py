"""Upgrades keep the data: a database made by the first migration, with people, a workshop,
a seat and a token in it, goes up to the newest schema with every row intact, down to the first
migration and to nothing, and up again; so does a database full of today's data. On SQLite
(batch mode) and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms.db import db
from lms.setup import MIGRATIONS
from tests.factories import PASSWORD
from tests.inputs_fixtures import make_world

FIRST = "4f527732da43"  # create accounts and workshops
MADE = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _revision() -> set[str]:
    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _matches_the_models() -> bool:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata) == []


def _first_schema_rows() -> None:
    """People, a workshop, a seat with its attendance and an API token, written as the first
    migration's tables hold them (reflected: no model of today is used)."""
    from werkzeug.security import generate_password_hash

    meta = sa.MetaData()
    meta.reflect(db.engine, only=["user", "api_token", "workshop", "enrolment"])
    names = ("user", "api_token", "workshop", "enrolment")
    user, token, workshop, enrolment = (meta.tables[t] for t in names)
    password = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    with db.engine.begin() as conn:
        conn.execute(user.insert(), [
            {"id": 1, "email": "ana@aula.test", "name": "Ana", "password_hash": password,
             "role": "learner", "locale": "es", "timezone": "Europe/Madrid", "created_at": MADE},
            {"id": 2, "email": "xose@aula.test", "name": "Xosé", "password_hash": password,
             "role": "trainer", "locale": "gl", "timezone": "Europe/Madrid", "created_at": MADE},
        ])  # fmt: skip
        conn.execute(
            token.insert(), {"id": 1, "user_id": 1, "token_hash": "a" * 64, "created_at": MADE}
        )
        conn.execute(workshop.insert(), {
            "id": 1, "title": "Facturación electrónica", "description": "", "topic": "Digital",
            "starts_at": MADE + timedelta(days=10), "ends_at": MADE + timedelta(days=10, hours=2),
            "timezone": "Europe/Madrid", "capacity": 10, "enrolled_count": 1, "waitlist_count": 0,
            "last_arrival": 1, "trainer_id": 2, "status": "scheduled", "audience": "public",
            "sequence": 0, "created_at": MADE, "updated_at": MADE,
        })  # fmt: skip
        conn.execute(enrolment.insert(), {
            "id": 1, "workshop_id": 1, "user_id": 1, "state": "enrolled", "arrival": 1,
            "revision": 0, "attendance": "present", "created_at": MADE, "updated_at": MADE,
        })  # fmt: skip


def _first_rows_are_intact() -> None:
    with db.engine.connect() as conn:
        people = conn.execute(sa.text('SELECT id, email, name, role FROM "user" ORDER BY id'))
        assert [tuple(p) for p in people] == [
            (1, "ana@aula.test", "Ana", "learner"),
            (2, "xose@aula.test", "Xosé", "trainer"),
        ]
        seat = conn.execute(sa.text("SELECT user_id, state, attendance FROM enrolment")).one()
        assert tuple(seat) == (1, "enrolled", "present")
        title = conn.execute(sa.text("SELECT title, trainer_id FROM workshop")).one()
        assert tuple(title) == ("Facturación electrónica", 2)


def test_the_first_schema_with_data_goes_up_to_the_newest_and_down_and_up_again(app):
    # A database made by the first migration, holding people, a workshop, a seat and a token,
    # is upgraded to the newest schema with every row intact and the new columns filled in
    # (addresses confirmed, tokens given their 90 days); downgraded to the first migration with
    # those rows still there, then to nothing; and upgraded again to the models' schema.
    downgrade(directory=MIGRATIONS, revision="base")
    upgrade(directory=MIGRATIONS, revision=FIRST)
    assert _revision() == {FIRST}
    _first_schema_rows()

    upgrade(directory=MIGRATIONS, revision="heads")
    assert _matches_the_models()
    _first_rows_are_intact()
    with db.engine.connect() as conn:
        confirmed = conn.execute(
            sa.text('SELECT count(*) FROM "user" WHERE email_confirmed_at IS NOT NULL')
        )
        assert confirmed.scalar_one() == 2
        expires = conn.execute(sa.text("SELECT expires_at FROM api_token")).scalar_one()
    expires = expires if isinstance(expires, datetime) else datetime.fromisoformat(expires)
    assert expires.replace(tzinfo=UTC) == MADE + timedelta(days=90)

    # The application reads the migrated rows as its own.
    from courses.workshops.models import Workshop
    from lms.accounts.queries import user_by_email

    db.session.rollback()
    assert user_by_email("ana@aula.test").is_confirmed
    assert db.session.get(Workshop, 1).trainer.name == "Xosé"
    db.session.rollback()

    downgrade(directory=MIGRATIONS, revision=FIRST)
    assert _revision() == {FIRST}
    _first_rows_are_intact()
    downgrade(directory=MIGRATIONS, revision="base")
    assert _tables() == set()
    upgrade(directory=MIGRATIONS, revision="heads")
    assert _matches_the_models()


def test_a_database_full_of_todays_data_goes_down_to_nothing_and_up_again(
    app, make_user, make_workshop
):
    # Every table holding rows (people, workshops, seats, entities, a cohort and its meetings,
    # the advice desk, messages, sessions, tokens, links): every downgrade runs with the data
    # in place, down to nothing, and the upgrade rebuilds the models' schema.
    make_world(make_user, make_workshop)
    db.session.commit()
    with db.engine.connect() as conn:
        empty = [
            t
            for t in _tables()
            if not conn.execute(sa.text(f'SELECT 1 FROM "{t}" LIMIT 1')).first()
        ]
    assert len(empty) < len(_tables()) / 2, empty  # most tables hold something
    db.session.rollback()
    downgrade(directory=MIGRATIONS, revision=FIRST)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text('SELECT count(*) FROM "user"')).scalar_one() >= 3
    downgrade(directory=MIGRATIONS, revision="base")
    assert _tables() == set()
    upgrade(directory=MIGRATIONS, revision="heads")
    assert _matches_the_models()
