"""The only writes of feeds: making and replacing a person's feed token."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from lms.accounts.models import User, hash_token
from lms.db import begin_write, db, utcnow

from .models import CalendarToken
from .queries import token_of

#: 16 random bytes, 22 characters in the address: unguessable and short.
TOKEN_BYTES = 16


def replace_token(user: User) -> str:
    """A new feed token for ``user``; the previous one, if any, stops working at once.

    Only the token's hash is kept, so the caller shows it now or never.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    begin_write()
    # Two replacements at once (a double click) queue on the person's row.
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    record = token_of(user.id)
    if record is None:
        record = CalendarToken(user_id=user.id)
        db.session.add(record)
    record.token_hash = hash_token(token)
    record.created_at = utcnow()
    db.session.flush()
    return token


def on_account_closing(user: User, **_: object) -> None:
    """A closing account's calendar address stops working."""
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == user.id))
