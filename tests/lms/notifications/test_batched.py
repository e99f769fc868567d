"""``batched()``: the facts an operation records for one person are written, when it ends and
before its commit, as one message per recipient and digest group; a lone fact as it would be
outside a batch; nothing if the operation fails; nothing at all when muted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courses.workshops import operations as workshops
from lms.db import db
from lms.notifications.models import OutboxMessage
from lms.notifications.operations import batched, muted, outgoing
from tests.notify_fixtures import outbox


def _rows() -> int:
    """Outbox rows in this transaction (``outbox()`` would roll it back)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def test_a_persons_facts_become_one_message_per_digest_group(app, make_user, make_workshop):
    # Two enrolments and one waiting place for one person, one enrolment for another: the
    # first gets one REQUEST of two events and the waiting place on its own; the second one
    # message exactly as outside a batch.
    ana, bob = make_user(), make_user()
    first, second = make_workshop(title="Un"), make_workshop(title="Dos")
    full = make_workshop(title="Tres", capacity=1)
    workshops.enrol(full.id, make_user())
    db.session.commit()
    seen = {m.id for m in outbox()}
    with batched():
        workshops.enrol(first.id, ana)
        workshops.enrol(full.id, ana)
        workshops.enrol(second.id, ana)
        workshops.enrol(first.id, bob)
        assert _rows() == len(seen)  # held until the end
    db.session.commit()
    written = [m for m in outbox() if m.id not in seen]
    assert [(m.recipient_id, m.kind) for m in written] == [
        (ana.id, "workshop.enrolled"),
        (ana.id, "workshop.waitlisted"),
        (bob.id, "workshop.enrolled"),
    ]
    digest, waiting, single = written
    assert [item["kind"] for item in digest.payload["digest"]] == ["workshop.enrolled"] * 2
    assert outgoing(digest).calendar.count("BEGIN:VEVENT") == 2
    assert "facts" in waiting.payload and "facts" in single.payload
    # a lone fact reads exactly as the same change made outside a batch
    outside = make_user(name=bob.name)
    workshops.enrol(first.id, outside)
    db.session.commit()
    [alone] = outbox(recipient_id=outside.id)
    assert alone.payload["facts"]["extra"] == single.payload["facts"]["extra"]
    assert outgoing(single).text == outgoing(alone).text


def test_a_failed_operation_writes_nothing_and_nested_batches_join(app, make_user, make_workshop):
    # The batch is dropped with the operation that raised; an inner batch writes with the
    # outer one, not at its own end; muted, nothing is held or written.
    ana = make_user()
    one, two = make_workshop(), make_workshop()
    with pytest.raises(RuntimeError), batched():
        workshops.enrol(one.id, ana)
        raise RuntimeError("the operation failed")
    assert _rows() == 0  # not even in the session the caller is about to roll back
    db.session.rollback()
    assert outbox(recipient_id=ana.id) == []
    with batched():
        with batched():
            workshops.enrol(one.id, ana)
        assert _rows() == 0
        workshops.enrol(two.id, ana)
    db.session.commit()
    [message] = outbox(recipient_id=ana.id)
    assert len(message.payload["digest"]) == 2
    with muted(), batched():
        workshops.withdraw(one.id, ana.id)
    db.session.commit()
    assert len(outbox(recipient_id=ana.id)) == 1
