"""Who may do what with an account."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden


def require_confirmed(user: Any) -> None:
    """A 403 for an account whose address is not confirmed yet: what mails it (an enrolment,
    its invitations) waits until the person has shown the address is theirs."""
    if not user.is_confirmed:
        raise Forbidden(
            _l(
                "Please confirm your e-mail address first: open the link we sent you "
                "(your profile can send it again)."
            ),
            code="email_unconfirmed",
        )
