"""The database: one SQLAlchemy object, SQLite pragmas, and the write transaction.

Every operation that reads and then writes something other people compete for (a seat, a
place in a waiting list, an outbox message) starts with :func:`begin_write`. On SQLite that
opens the transaction with ``BEGIN IMMEDIATE``, so two processes can never both read "one seat
left" and then both write; the busy timeout makes the second one wait instead of failing. On
PostgreSQL the operation then locks the row it serialises on with ``SELECT ... FOR UPDATE``.

Everything before :func:`begin_write` (sign-in, the session and the person, the bearer token,
CSRF and form checks, the permission loaders) runs in an ordinary deferred transaction, outside
SQLite's single write lock, as it runs outside the row lock on PostgreSQL. A write after reads
that skipped :func:`begin_write` cannot go wrong silently: SQLite refuses to turn a stale read
snapshot into a write (``SQLITE_BUSY_SNAPSHOT``, an error, never a lost update), and the
guard here (:class:`UnguardedWrite`) makes the test suite fail on such a write at once, whether
or not another writer happened to interleave.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000

log = logging.getLogger("lms.db")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Every model's base class: ``db.Model`` at run time (Flask-SQLAlchemy's query and table-name
# helpers); to the type checker, which cannot see through ``db.Model``, the declarative base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no zone, PostgreSQL's ``timestamptz`` does; this type makes both answer the
    same, and refuses naive datetimes so that no local time slips in unnoticed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def begin_write() -> None:
    """Make the current transaction one that serialises with every other writer.

    Call it first in an operation that reads what it is about to change. On SQLite a
    transaction that has only read so far (the request's person, its token, its form) is
    rolled back (it has nothing to lose; its objects reload on their next use) and begun again
    as ``BEGIN IMMEDIATE``; one that has already written holds the write lock anyway.
    """
    if not is_sqlite():
        return
    session = db.session()  # the request's Session, not its scoped proxy
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            session.flush()
        conn = session.connection()
        if conn.info.get("aula_immediate") or _has_written(conn):
            return
        session.rollback()
    session.connection(execution_options={"sqlite_immediate": True})


def _total_changes(conn: sa.Connection) -> int:
    """The rows SQLite's connection has changed since it opened."""
    return cast(sqlite3.Connection, conn.connection.dbapi_connection).total_changes


def _has_written(conn: sa.Connection) -> bool:
    return _total_changes(conn) != conn.info.get("aula_changes_at_begin")


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(conn: sa.Connection) -> None:
    immediate = bool(conn.get_execution_options().get("sqlite_immediate"))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info["aula_immediate"] = immediate
    conn.info["aula_changes_at_begin"] = _total_changes(conn)
    conn.info["aula_has_read"] = False


class UnguardedWrite(RuntimeError):
    """A request's transaction read, then wrote, without :func:`begin_write`: its decision was
    made on a snapshot another writer may have changed. Raised where ``SQLITE_STRICT_WRITES``
    is on (the default under tests); elsewhere logged, and SQLite itself refuses the write if
    another writer did interleave. Work outside requests (the worker, the CLI, migrations) is
    not watched: its operations call :func:`begin_write` themselves."""


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def _on_sqlite_execute(
    conn: sa.Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    info = conn.info
    if info.get("aula_immediate") or not has_request_context():
        return
    verb = statement.lstrip()[:6].upper()
    if verb == "SELECT" or verb.startswith("WITH"):
        info["aula_has_read"] = True
    elif verb in _WRITES and info.get("aula_has_read") and not _has_written(conn):
        _unguarded(statement)


def _unguarded(statement: str) -> None:
    message = f"a write after reads without begin_write(): {statement[:80]!r}"
    if current_app.config.get("SQLITE_STRICT_WRITES", current_app.testing):
        raise UnguardedWrite(message)
    log.warning(message)


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault(
            "connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
    elif uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver we ship; a plain postgresql:// address means it.
        _scheme, rest = uri.split("://", 1)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"postgresql+psycopg://{rest}"
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and not sa.event.contains(
            engine, "connect", _on_sqlite_connect
        ):
            sa.event.listen(engine, "connect", _on_sqlite_connect)
            sa.event.listen(engine, "begin", _on_sqlite_begin)
            sa.event.listen(engine, "before_cursor_execute", _on_sqlite_execute)


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A portable enum column: stored as its value, checked by the database."""
    return sa.Enum(
        enum_cls,
        name=enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def rows_changed(statement: sa.Executable) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed."""
    return cast(sa.CursorResult[Any], db.session.execute(statement)).rowcount
