"""Helpers for the accounts tests: signing a client in, and reading the links mailed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lms.db import db
from lms.notifications.models import OutboxMessage
from tests.factories import PASSWORD


def sign_in(client, user_or_email, password: str = PASSWORD, *, remember: bool = False):
    """Post the sign-in form; the response."""
    email = getattr(user_or_email, "email", user_or_email)
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data)


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def mailed(kind: str) -> list[OutboxMessage]:
    """The outbox messages of ``kind`` (``account.reset``...), oldest first, as committed."""
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def link_path(message: OutboxMessage) -> str:
    """The path of the one link in a message's text, under the test's BASE_URL."""
    (url,) = re.findall(r"http://aula\.test(/\S+)", message.payload["text"])
    return url
