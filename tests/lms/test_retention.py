"""Retention: ``flask prune`` (and the worker, once a day) deletes what is past its time and
nothing younger; the periods are settings with safe defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import AccountToken, ApiToken, TokenPurpose, UserSession, hash_token
from lms.db import db, utcnow
from lms.notifications.models import OutboxMessage, OutboxStatus

DAY = timedelta(days=1)


def _world(make_user):
    """For each kind, one row just past its time (``old-…``) and one just within it
    (``young-…``), at the default periods: 7 days after an end, 90 after delivery, 180
    after a final failure."""
    user = make_user()
    now = utcnow()
    db.session.add_all(
        [
            UserSession(user_id=user.id, secret_hash=hash_token("old-s"), expires_at=now - 8 * DAY),
            UserSession(
                user_id=user.id, secret_hash=hash_token("young-s"), expires_at=now - 6 * DAY
            ),
            UserSession(user_id=user.id, secret_hash=hash_token("live-s"), expires_at=now + DAY),
            ApiToken(user_id=user.id, token_hash=hash_token("old-t"), expires_at=now - 8 * DAY),
            ApiToken(user_id=user.id, token_hash=hash_token("young-t"), expires_at=now - 6 * DAY),
            ApiToken(user_id=user.id, token_hash=hash_token("live-t"), expires_at=now + 90 * DAY),
            _link(user, "old-expired", expires=now - 8 * DAY),
            _link(user, "old-used", expires=now + DAY, used=now - 8 * DAY),
            _link(user, "young-expired", expires=now - 6 * DAY),
            _link(user, "young-used", expires=now + DAY, used=now - 6 * DAY),
            _link(user, "live", expires=now + DAY),
            _message(user, "old-sent", OutboxStatus.sent, now - 91 * DAY),
            _message(user, "young-sent", OutboxStatus.sent, now - 89 * DAY),
            _message(user, "old-failed", OutboxStatus.failed, now - 181 * DAY),
            _message(user, "young-failed", OutboxStatus.failed, now - 179 * DAY),
            _message(user, "pending", OutboxStatus.pending, now - 400 * DAY),
        ]
    )
    db.session.commit()
    return user


def _link(user, name: str, *, expires, used=None) -> AccountToken:
    return AccountToken(
        user_id=user.id,
        purpose=TokenPurpose.reset,
        token_hash=hash_token(name),
        expires_at=expires,
        used_at=used,
    )


def _message(user, kind: str, status: OutboxStatus, when) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
        recipient_id=user.id,
        recipient_address=user.email,
        payload={"to_name": user.name, "subject": kind, "text": "t"},
        status=status,
        created_at=when,
        next_attempt_at=when,
        delivered_at=when if status is OutboxStatus.sent else None,
    )


def _left() -> dict[str, set]:
    db.session.rollback()
    names = {hash_token(n): n for n in ("old-s", "young-s", "live-s", "old-t", "young-t",
                                         "live-t", "old-expired", "old-used", "young-expired",
                                         "young-used", "live")}  # fmt: skip
    return {
        "sessions": {names[h] for h in db.session.scalars(sa.select(UserSession.secret_hash))},
        "tokens": {names[h] for h in db.session.scalars(sa.select(ApiToken.token_hash))},
        "links": {names[h] for h in db.session.scalars(sa.select(AccountToken.token_hash))},
        "messages": set(db.session.scalars(sa.select(OutboxMessage.kind))),
    }


YOUNG = {
    "sessions": {"young-s", "live-s"},
    "tokens": {"young-t", "live-t"},
    "links": {"young-expired", "young-used", "live"},
    "messages": {"young-sent", "young-failed", "pending"},
}


def test_prune_deletes_each_kind_past_its_time_and_nothing_younger(app, make_user):
    # Sessions and API tokens 7 days after they expired, links 7 days after they were used
    # or expired, sent messages 90 days after delivery and failed ones 180 days after their
    # last attempt go; anything younger, anything live and anything still to send stays.
    from lms.retention import prune

    _world(make_user)
    gone = prune()
    assert gone == {"sessions": 1, "api_tokens": 1, "links": 2, "messages": 2}
    assert _left() == YOUNG
    assert prune() == {"sessions": 0, "api_tokens": 0, "links": 0, "messages": 0}


def test_the_periods_are_settings(make_app, make_user):
    # LMS_RETENTION_* set the periods: with a year for messages and 30 days for sign-in
    # records, the same rows all stay.
    from lms.retention import prune

    app = make_app(
        RETENTION_ENDED_DAYS=30, RETENTION_SENT_MESSAGE_DAYS=365, RETENTION_FAILED_MESSAGE_DAYS=365
    )
    with app.app_context():
        _world(make_user)
        assert sum(prune().values()) == 0


@pytest.mark.parametrize("value", [0, -1, "90", 1.5, True])
def test_a_period_that_is_no_whole_number_of_days_stops_the_start(make_app, value):
    # A period of 0, a negative one or one that is not a whole number refuses to start
    # (a typo must not delete every message at once).
    from lms.config import ConfigError

    with pytest.raises(ConfigError, match="RETENTION_SENT_MESSAGE_DAYS"):
        make_app(RETENTION_SENT_MESSAGE_DAYS=value)


def test_the_prune_command_says_what_it_deleted(app, make_user):
    # `flask --app lms prune` prunes and says how many of each kind went.
    _world(make_user)
    result = app.test_cli_runner().invoke(args=["prune"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Pruned 1 sessions, 1 api tokens, 2 links, 2 messages."
    assert _left() == YOUNG


def test_the_worker_prunes_at_its_first_pass_then_once_an_interval(app, make_user):
    # The delivery worker prunes at its first pass, not again at the next one (every 5 s),
    # and again once PRUNE_INTERVAL_HOURS have passed.
    from lms.notifications.worker import run_pass

    user = _world(make_user)
    run_pass()
    assert _left() == YOUNG
    db.session.add(_message(user, "old-sent", OutboxStatus.sent, utcnow() - 91 * DAY))
    db.session.commit()
    run_pass()
    assert "old-sent" in _left()["messages"]
    app.extensions["lms.retention"]["last"] -= 24 * 3600  # a day later
    run_pass()
    assert "old-sent" not in _left()["messages"]


def test_prune_works_in_batches(app, make_user, monkeypatch):
    # A long backlog is deleted in short transactions of BATCH rows, all of it in one prune.
    from lms import retention

    monkeypatch.setattr(retention, "BATCH", 2)
    user = make_user()
    old = utcnow() - 100 * DAY
    db.session.add_all([_message(user, f"m{i}", OutboxStatus.sent, old) for i in range(5)])
    db.session.commit()
    assert retention.prune()["messages"] == 5
    assert _left()["messages"] == set()
