"""The tests' databases: a template SQLite file migrated once per run and copied for each
test, or a PostgreSQL database made for the run (emptied after each test, dropped at the end)."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.db import db


def _migrate(url: str, instance: Path) -> None:
    from lms.setup import MIGRATIONS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "AUTO_SETUP": False, "SECRET_KEY": "t"},
        instance_path=str(instance),
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=MIGRATIONS, revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The session's database, migrated once: a template SQLite file, or a new PostgreSQL
    database made for this run and dropped after it."""
    instance = tmp_path_factory.mktemp("instance")
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{template}", instance)
        yield {"kind": "sqlite", "template": template}
        return
    with new_database(server, f"aula_test_{os.getpid()}") as url:
        _migrate(url, instance)
        yield {"kind": "postgresql", "url": url}


@contextlib.contextmanager
def new_database(server: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server`` (its address), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """A database with no schema at all: a new SQLite file, or a new PostgreSQL database."""
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with new_database(server, "aula_empty") as url:
        yield url


@pytest.fixture
def database_url(database, tmp_path) -> Iterator[str]:
    """A clean database for one test: a copy of the template file, or emptied tables."""
    if database["kind"] == "sqlite":
        path = tmp_path / "aula.sqlite3"
        shutil.copy(database["template"], path)
        yield f"sqlite:///{path}"
        return
    yield database["url"]
    engine = sa.create_engine(database["url"].replace("postgresql://", "postgresql+psycopg://", 1))
    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    engine.dispose()
