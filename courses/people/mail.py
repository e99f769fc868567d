"""The message a person gets when a coordinator makes (or imports) their account: a link to
choose a password. Written as facts (``people.welcome``), rendered by the worker in the
person's language, so that an import of thousands writes its messages in bulk."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.i18n import supported_locale
from lms.links import absolute
from lms.notifications.render import Record, Rendered

SUBJECT = _l("Your account at %(site)s: choose a password")
KIND = "people.welcome"


def welcome_facts(locale: str, token: str, days: int) -> dict[str, Any]:
    return {"locale": supported_locale(locale), "link": absolute(f"/password/reset/{token}"),
            "days": days}  # fmt: skip


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(f"courses/people/mail/{name}").render(**context)


class PeopleMessages:
    """The renderer of ``people.*`` messages (lms.notifications.render)."""

    def subject(self, kind: str, facts: dict[str, Any], message: Record) -> str:
        with force_locale(facts["locale"]):
            return str(SUBJECT % {"site": current_app.config["SITE_NAME"]})

    def render(self, kind: str, facts: dict[str, Any], message: Record) -> Rendered:
        site = current_app.config["SITE_NAME"]
        context = {
            "name": message.payload.get("to_name", ""),
            "email": message.recipient_address,
            "link": facts["link"],
            "days": facts["days"],
            "site_name": site,
            "locale": facts["locale"],
        }
        with force_locale(facts["locale"]):
            return Rendered(
                subject=str(SUBJECT % {"site": site}),
                text=_render("welcome.txt", context),
                html=_render("welcome.html", context),
            )
