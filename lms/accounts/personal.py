"""Everything Aula holds about a person, for them to read and take away (GDPR, art. 15 and 20).

Accounts knows only the account; each feature adds what it keeps about a person with
``add_section(app, name, collect)``, where ``collect(user)`` returns plain JSON values. So a
new feature that stores personal data adds its section where it is registered, and the
export can never lag behind in a file nobody remembers.

Secrets are never in it (password hash, token hashes); nor is what others wrote about the
person in confidence (an advisor's private notes): the export says so in ``left_out``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from lms.db import db, utcnow

from .models import ApiToken, User, UserSession

Collect = Callable[[User], Any]


def _sections(app: Flask) -> dict[str, Collect]:
    return app.extensions.setdefault("lms.personal", {})


def add_section(app: Flask, name: str, collect: Collect) -> None:
    """Add a part of the export: ``collect(user)`` gives what the feature keeps about them."""
    _sections(app)[name] = collect


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _account(user: User) -> dict[str, Any]:
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    sessions = db.session.scalar(
        sa.select(sa.func.count(UserSession.id)).where(UserSession.user_id == user.id)
    )
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "language": user.locale,
        "timezone": user.timezone,
        "created_at": iso(user.created_at),
        "email_confirmed_at": iso(user.email_confirmed_at),
        "api_tokens": [
            {"id": t.id, "created_at": iso(t.created_at), "expires_at": iso(t.expires_at)}
            for t in tokens
        ],
        "signed_in_browsers": sessions,
    }


def everything_about(user: User) -> dict[str, Any]:
    """The whole export of ``user``: the account, then each feature's section by name."""
    sections = _sections(current_app)
    return {
        "exported_at": utcnow().isoformat(),
        "account": _account(user),
        **{name: sections[name](user) for name in sorted(sections)},
        "left_out": [
            _("Your password and the secrets of your tokens: only their hashes are kept."),
            _("An advisor's private notes on your requests."),
        ],
    }
