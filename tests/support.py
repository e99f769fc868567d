"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa

from lms.db import db

T = TypeVar("T")


def fresh(obj: T) -> T:
    """``obj`` as the database holds it now.

    Ends the test's own transaction first: on SQLite an open read transaction keeps seeing
    the snapshot it began with, whatever the requests have committed since.
    """
    db.session.rollback()
    return db.session.get(type(obj), obj.id, populate_existing=True)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
