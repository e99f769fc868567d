"""Where SQLite's write lock starts: at the operation's begin_write(), not at a writing
request's first query; and a write that skipped begin_write() never goes wrong silently."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa
from flask import Blueprint, jsonify

from lms.accounts.models import User
from lms.db import UnguardedWrite, begin_write, db
from tests.support import fresh

#: Another OS process tries to take the write lock at once (no waiting) and says if it could.
TRY_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")
    print("free")
except sqlite3.OperationalError:
    print("held")
"""

#: Another OS process changes a row and commits.
WRITE_AND_COMMIT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("UPDATE user SET name = 'Changed elsewhere' WHERE id = ?", (int(sys.argv[2]),))
"""


def _write_lock(path: str) -> str:
    out = subprocess.run([sys.executable, "-c", TRY_WRITE_LOCK, path], capture_output=True)
    return out.stdout.decode().strip()


@pytest.fixture
def sqlite_path(database_url) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return database_url.removeprefix("sqlite:///")


def _probe_app(make_app, sqlite_path: str):
    """An app with two test routes: one that reads, then begins the write (as operations
    do), and one that reads, then writes without begin_write()."""
    app = make_app()
    bp = Blueprint("probe", __name__)

    @bp.post("/_probe/lock")
    def lock():
        db.session.scalars(sa.select(User)).all()  # the person, the session, the form...
        before = _write_lock(sqlite_path)
        begin_write()
        after = _write_lock(sqlite_path)
        db.session.rollback()
        return jsonify(before=before, after=after)

    @bp.post("/_probe/unguarded/<int:user_id>")
    def unguarded(user_id: int):
        user = db.session.get(User, user_id)  # read, decide...
        user.name = f"{user.name}!"  # ...and write on what was read
        db.session.commit()
        return jsonify(name=user.name)

    app.register_blueprint(bp)
    return app


def test_a_writing_request_takes_the_write_lock_at_begin_write_not_at_its_first_query(
    make_app, sqlite_path
):
    # Everything a POST does before its operation runs outside SQLite's single write lock.
    app = _probe_app(make_app, sqlite_path)
    answer = app.test_client().post("/_probe/lock").get_json()
    assert answer == {"before": "free", "after": "held"}


def test_a_request_that_reads_then_writes_without_begin_write_fails_under_tests(
    make_app, make_user, sqlite_path
):
    # A read-then-write that forgot begin_write() is caught by the suite, not by a user.
    user = make_user(name="Ana")
    app = _probe_app(make_app, sqlite_path)
    with pytest.raises(UnguardedWrite):
        app.test_client().post(f"/_probe/unguarded/{user.id}")
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Ana"


def test_sqlite_refuses_a_write_made_on_a_snapshot_another_process_changed(make_user, sqlite_path):
    # Outside tests the guard only logs: SQLite itself refuses the stale write, loudly, so no
    # update is ever lost silently.
    user = make_user(name="Ana")
    db.session.commit()
    conn = sqlite3.connect(sqlite_path, timeout=5, isolation_level=None)
    try:
        conn.execute("BEGIN")
        (name,) = conn.execute("SELECT name FROM user WHERE id = ?", (user.id,)).fetchone()
        subprocess.run(
            [sys.executable, "-c", WRITE_AND_COMMIT, sqlite_path, str(user.id)], check=True
        )
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("UPDATE user SET name = ? WHERE id = ?", (f"{name}!", user.id))
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    db.session.rollback()  # a fresh snapshot for the test's own session
    assert db.session.get(User, user.id).name == "Changed elsewhere"


def test_an_operation_writes_even_after_others_committed_since_it_last_read(
    app, client, make_user, login
):
    # Outside a request (CLI, worker, a test), a session that has read keeps SQLite's old
    # snapshot; operations begin a write transaction first, so they never fail "locked".
    from lms.accounts.operations import create_user, issue_token

    reader = login(make_user("coordinator"))  # the test's session now holds a read snapshot
    assert reader.email
    assert client.post("/calendar/subscribe").status_code in (302, 303)  # another writer
    newcomer = create_user("late@aula.test", "Late", "longenough")
    issue_token(newcomer)
    db.session.commit()
    assert fresh(newcomer).email == "late@aula.test"
