"""The outbox: written with its change, delivered after commit through a real SMTP server,
retried with backoff, never lost and never sent twice, whatever happens to SMTP or workers."""

from __future__ import annotations

import email
import email.policy
import signal
import time

import pytest

from lms.db import db
from lms.notifications import operations
from lms.notifications.models import OutboxStatus
from lms.notifications.worker import run_pass
from tests.notify_fixtures import eml_files, outbox

S = OutboxStatus
FAST = {"OUTBOX_BACKOFF_SECONDS": [0], "OUTBOX_MAX_ATTEMPTS": 3}

pytest_plugins = ["tests.notify_fixtures"]  # smtp, smtp_down, start_worker


def _enqueue(count: int, address: str = "learner@aula.test") -> None:
    for i in range(count):
        operations.enqueue(
            "test.note", to_address=address, subject=f"Note {i}", text=f"Body {i}", to_name="L"
        )
    db.session.commit()


def test_a_message_is_written_with_its_change_or_not_at_all(app, make_user, make_workshop):
    # An enrolment that rolls back leaves no message; one that commits leaves exactly one.
    from courses.workshops import operations as workshops

    workshop, learner = make_workshop(), make_user()
    workshops.enrol(workshop.id, learner)
    db.session.rollback()
    assert outbox() == []
    workshops.enrol(workshop.id, learner)
    db.session.commit()
    [message] = outbox()
    assert message.kind == "workshop.enrolled" and message.status is S.pending
    assert message.recipient_id == learner.id and message.recipient_address == learner.email


def test_the_worker_delivers_through_a_real_smtp_server(make_app, smtp):
    # A due message reaches the SMTP server once, from the organiser, with a stable Message-ID.
    app = make_app(**smtp.config)
    with app.app_context():
        _enqueue(1)
        [queued] = outbox()
        expected_id = operations.message_id(queued)
        assert run_pass() == 1
        [message] = outbox()
    assert message.status is S.sent and message.delivered_at and message.attempts == 1
    [mail] = smtp.inbox.received
    assert mail["Message-ID"] == expected_id
    assert mail["From"].addresses[0].addr_spec == "aula@aula.test"
    assert mail["Subject"] == "Note 0"


def test_smtp_down_then_up_loses_nothing_and_sends_nothing_twice(make_app, smtp_down):
    # With the server down, then answering 451, then well: every message arrives exactly once.
    app = make_app(**smtp_down.config, **{**FAST, "OUTBOX_MAX_ATTEMPTS": 5})
    with app.app_context():
        _enqueue(6)
        run_pass()  # nobody listens on the port
        assert {(m.status, m.attempts) for m in outbox()} == {(S.pending, 1)}
        assert all("Connection refused" in m.last_error for m in outbox())
        smtp_down.start()
        smtp_down.inbox.refuse = 2  # the server is back, but busy for two messages
        run_pass()
        run_pass()
        messages = outbox()
    assert {m.status for m in messages} == {S.sent}
    ids = smtp_down.inbox.message_ids()
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 6
    assert sorted(m["Subject"] for m in smtp_down.inbox.received) == [f"Note {i}" for i in range(6)]


def test_backoff_then_a_final_failed_state_a_coordinator_can_retry(
    make_app, smtp, make_user, login
):
    # A message refused at every attempt waits longer each time, fails after the last attempt,
    # shows its error to coordinators, and a retry sends it.
    app = make_app(**smtp.config, OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=[0, 0])
    smtp.inbox.refuse = 3
    with app.app_context():
        _enqueue(1)
        for _ in range(3):
            run_pass()
        [message] = outbox()
        assert message.status is S.failed and message.attempts == 3
        assert "451" in message.last_error
        assert operations.backoff(1).total_seconds() == 0
    client = app.test_client()
    login(make_user("coordinator", admin=True), client=client)
    page = client.get("/deliveries?status=failed").get_data(as_text=True)
    assert "451" in page and "learner@aula.test" in page
    response = client.post(f"/deliveries/{message.id}/retry")
    assert response.status_code == 303
    with app.app_context():
        [message] = outbox()
        assert message.status is S.pending and message.attempts == 0
        run_pass()
        [message] = outbox()
    assert message.status is S.sent
    assert len(smtp.inbox.received) == 1


def test_default_backoff_grows(app):
    # The default waits: 1 minute, 5 minutes, 30 minutes, 2 hours, then longer.
    waits = [operations.backoff(n).total_seconds() for n in range(1, 8)]
    assert waits[:4] == [60, 300, 1800, 7200]
    assert waits == sorted(waits)


def test_an_address_refused_for_good_fails_at_once(make_app, smtp):
    # A 550 for the recipient is not worth retrying: the message is failed after one attempt.
    smtp.inbox.unknown.add("ghost@aula.test")
    app = make_app(**smtp.config, **FAST)
    with app.app_context():
        _enqueue(1, "ghost@aula.test")
        run_pass()
        [message] = outbox()
    assert message.status is S.failed and message.attempts == 1
    assert "550" in message.last_error


@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "coordinator"])
def test_the_deliveries_page_is_for_site_administrators_only(app, client, make_user, login, role):
    # Nobody but a site administrator sees who was sent what, or can retry it: the outbox
    # holds every programme's messages, so a programme's coordinator is refused too.
    _enqueue(1)
    [message] = outbox()
    message.status, message.attempts, message.last_error = S.failed, 3, "SMTP said no"
    db.session.commit()
    if role != "anonymous":
        login(make_user(role))
    page = client.get("/deliveries")
    retry = client.post(f"/deliveries/{message.id}/retry")
    assert page.status_code in (302, 403) and retry.status_code in (302, 403)
    assert "learner@aula.test" not in page.get_data(as_text=True)
    [message] = outbox()  # a retry would have made it pending with no attempts
    assert (message.status, message.attempts, message.last_error) == (S.failed, 3, "SMTP said no")


def test_the_coordinator_sees_pending_sent_and_failed(app, client, make_user, login):
    # The page lists every message with its state, and the nav links to it for coordinators.
    _enqueue(3)
    first, second, _third = outbox()
    first.status, second.status, second.last_error = S.sent, S.failed, "SMTP said no"
    db.session.commit()
    login(make_user("coordinator", admin=True))
    page = client.get("/deliveries").get_data(as_text=True)
    assert 'href="/deliveries"' in page
    assert "SMTP said no" in page and page.count("delivery-pending") == 1
    failed_only = client.get("/deliveries?status=failed").get_data(as_text=True)
    assert "Note 1" in failed_only and "Note 0" not in failed_only


def test_without_a_server_each_message_is_an_eml_file(make_app, tmp_path):
    # With no MAIL_SERVER, each message is written once under instance/mail/, even if retried.
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        _enqueue(2)
        run_pass()
        files = eml_files(tmp_path / "instance")
        assert len(files) == 2
        first = outbox()[0]
        first.status = S.pending  # as if the worker had died before recording it
        db.session.commit()
        run_pass()
        assert eml_files(tmp_path / "instance") == files
    mail = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert (
        mail["Subject"] == "Note 0" and mail.get_body(("plain",)).get_content().strip() == "Body 0"
    )


def test_in_process_delivery_sends_without_a_worker(
    make_app, smtp, make_user, make_workshop, login
):
    # In development the site delivers by itself: an enrolment's mail arrives with no worker.
    learner, workshop = make_user(), make_workshop()
    address, workshop_id = learner.email, workshop.id
    site = make_app(**smtp.config, TESTING=False, DELIVER_IN_PROCESS=True)
    delivery = site.extensions["lms.notifications.thread"]
    try:
        client = site.test_client()
        login(learner, client=client)
        assert client.post(f"/workshops/{workshop_id}/enrol").status_code == 303
        smtp.inbox.wait_for(1)
    finally:
        delivery.stop()
    assert len(smtp.inbox.to(address)) == 1


def test_a_worker_killed_mid_delivery_is_replaced_by_the_next(
    app, database_url, smtp, start_worker
):
    # A worker killed while the SMTP server stalls leaves its lease; once the lease expires the
    # next worker delivers the message, which arrives once.
    _enqueue(1)
    smtp.inbox.stall_next = True
    config = {**smtp.config, "OUTBOX_LEASE_SECONDS": 2, "WORKER_INTERVAL_SECONDS": 0.2}
    first = start_worker(**config)
    assert smtp.inbox.stalled.wait(60), first.stderr
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    smtp.inbox.release.set()
    [message] = outbox()
    assert message.status is S.pending and message.claim_token is not None
    second = start_worker(**config)
    deadline = time.monotonic() + 60
    while outbox()[0].status is not S.sent and time.monotonic() < deadline:
        time.sleep(0.1)
    second.terminate()
    [message] = outbox()
    assert message.status is S.sent and message.attempts == 2
    assert len(smtp.inbox.received) == 1


@pytest.mark.slow
def test_two_workers_at_once_deliver_each_message_exactly_once(
    app, smtp, start_worker, make_user, make_workshop
):
    # Two worker processes draining one outbox together, and both enqueueing the reminders
    # that are due: every message arrives, none twice.
    from datetime import timedelta

    from courses.workshops import operations as workshops
    from lms.db import utcnow

    soon = make_workshop(starts_at=(utcnow() + timedelta(hours=23)).replace(microsecond=0))
    for _ in range(5):
        workshops.enrol(soon.id, make_user())
    db.session.commit()
    _enqueue(55)
    smtp.inbox.wait_for_sessions = 2  # the first delivery waits until both workers deliver
    config = {**smtp.config, "OUTBOX_BATCH_SIZE": 4}
    workers = [start_worker("--once", **config) for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    handled = [int(out.split()[3]) for out, _err in outputs]
    assert sum(handled) == 65 and min(handled) > 0
    messages = outbox()
    assert {m.status for m in messages} == {S.sent}
    assert sorted({m.kind for m in messages if m.kind.startswith("workshop.")}) == [
        "workshop.enrolled",
        "workshop.reminder",
    ]
    assert len([m for m in messages if m.kind == "workshop.reminder"]) == 5
    ids = smtp.inbox.message_ids()
    assert len(ids) == 65 and len(set(ids)) == 65


def test_a_worker_that_lost_its_lease_neither_sends_nor_records(app):
    # Once a lease has expired and another worker took the message, the first may not send it
    # nor record an outcome over the second's.
    from datetime import timedelta

    from lms.db import utcnow

    _enqueue(1)
    first = operations.claim_due(10)
    [message] = outbox()
    message.claimed_until = utcnow() - timedelta(seconds=1)  # the first worker stalled
    db.session.commit()
    second = operations.claim_due(10)
    assert [m.id for _c, m in second.messages] == [message.id]
    assert not operations.renew(message.id, first.token)
    assert not operations.record_sent(message.id, first.token)
    assert operations.renew(message.id, second.token)
    assert operations.record_sent(message.id, second.token)
    [message] = outbox()
    assert message.status is S.sent and message.attempts == 2


def test_a_long_batch_renews_each_lease_and_skips_one_it_lost(make_app, tmp_path, monkeypatch):
    # Past half its lease, the worker renews each message before sending it: one whose lease
    # another worker has taken meanwhile is not sent; the one still held is sent.
    import dataclasses
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.db import utcnow
    from lms.notifications import worker
    from lms.notifications.models import OutboxMessage

    app = make_app(MAIL_SERVER="", OUTBOX_LEASE_SECONDS=300)
    with app.app_context():
        _enqueue(2)
        claim_due = operations.claim_due

        def an_old_claim_whose_second_lease_was_taken(*args, **kwargs):
            claim = claim_due(*args, **kwargs)
            claim = dataclasses.replace(claim, at=utcnow() - timedelta(seconds=200))  # > 150 s
            taken = claim.messages[1][1].id
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == taken)
                .values(claim_token="another-worker", claimed_until=utcnow() + timedelta(hours=1))
            )
            db.session.commit()
            return claim

        monkeypatch.setattr(operations, "claim_due", an_old_claim_whose_second_lease_was_taken)
        assert worker.deliver_due() == 2
        first, second = outbox()
    assert len(eml_files(tmp_path / "instance")) == 1
    assert first.status is S.sent
    assert second.status is S.pending and second.claim_token == "another-worker"
