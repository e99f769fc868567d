"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import TypeVar

from lms.db import db

T = TypeVar("T")


def fresh(obj: T) -> T:
    """``obj`` as the database holds it now.

    Ends the test's own transaction first: on SQLite an open read transaction keeps seeing
    the snapshot it began with, whatever the requests have committed since.
    """
    db.session.rollback()
    return db.session.get(type(obj), obj.id, populate_existing=True)
