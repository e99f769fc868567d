"""Messages about an account (a link to choose a new password, to confirm an address),
written to the outbox in the caller's transaction, in the person's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.i18n import supported_locale
from lms.links import absolute
from lms.notifications.operations import enqueue

SUBJECTS = {
    "reset": _l("Choose a new password for %(site)s"),
    "confirm": _l("Confirm your e-mail address for %(site)s"),
}


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(f"accounts/mail/{name}").render(**context)


def _message(kind: str, user: Any, link: str, **extra: Any) -> Callable[[], None]:
    """Render the message now; the returned function writes it to the outbox."""
    locale = supported_locale(user.locale if user else "")
    site = current_app.config["SITE_NAME"]
    with force_locale(locale):
        context = {"user": user, "link": link, "site_name": site, "locale": locale, **extra}
        subject = str(SUBJECTS[kind] % {"site": site})
        text = _render(f"{kind}.txt", context)
        html = _render(f"{kind}.html", context)

    def send() -> None:
        enqueue(
            f"account.{kind}",
            to_address=user.email,
            to_name=user.name,
            recipient_id=user.id,
            subject=subject,
            text=text,
            html=html,
        )

    return send


def reset_message(user: Any, token: str) -> Callable[[], None]:
    """The reset link for ``user``; for nobody (None) the same work, to send to no one."""
    from .operations import RESET_LINK_MINUTES

    return _message("reset", user, absolute(f"/password/reset/{token}"), minutes=RESET_LINK_MINUTES)


def confirm_message(user: Any, token: str) -> Callable[[], None]:
    from .operations import CONFIRM_LINK_DAYS

    return _message("confirm", user, absolute(f"/confirm/{token}"), days=CONFIRM_LINK_DAYS)
