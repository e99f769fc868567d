"""Alembic's environment for Aula: the app's engine and metadata, batch mode on SQLite."""

from alembic import context
from flask import current_app

from lms.db import UTCDateTime

db = current_app.extensions["migrate"].db


def render_item(kind: str, obj, autogen_context):
    """Write our UTC column as the plain type it stores, so migrations never import the app."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename): with foreign keys on, dropping
            # the old table would cascade-delete the rows that refer to it. SQLite's own
            # procedure for ALTER turns them off first; it only works outside a transaction.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            render_as_batch=sqlite,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
