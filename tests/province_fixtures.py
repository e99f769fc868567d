"""A generated province in the test's database (bench/province.py), and a way to empty it so
that a second, larger one can be made in the same test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from bench.page_costs import statement_counts
from bench.province import generate
from lms.db import db, is_sqlite


def _empty() -> None:
    tables = db.metadata.sorted_tables
    if is_sqlite():
        for table in reversed(tables):
            db.session.execute(table.delete())
    else:
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def province_costs(make_app) -> Callable[..., dict[str, Any]]:
    """``province_costs(scale, weeks=8)``: make a province of that scale in an emptied
    database and return each page's (status, statements)."""

    def measure(scale: float, *, weeks: int = 8) -> dict[str, Any]:
        app = make_app()
        with app.app_context():
            _empty()
            province = generate(scale, weeks=weeks, progress=lambda *_: None)
        return statement_counts(app, province)

    return measure


class LoadedPeople:
    """Counts the User rows the ORM loads while active (``with LoadedPeople() as loaded``):
    a form that checks a choice by loading everyone loads every person."""

    def __init__(self) -> None:
        self.count = 0

    def _loaded(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> LoadedPeople:
        from lms.accounts.models import User

        sa.event.listen(User, "load", self._loaded)
        return self

    def __exit__(self, *_exc: Any) -> None:
        from lms.accounts.models import User

        sa.event.remove(User, "load", self._loaded)
