"""The database layer (lms/db.py): transactions that write begin as writes."""

from lms.db import db
from tests.support import fresh


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
