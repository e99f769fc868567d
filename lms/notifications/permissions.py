"""Who may see the outbox: its messages go to people of every programme, so the deliveries
page (and retrying a failed message) is for site administrators."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import Forbidden
from lms.programmes.permissions import is_admin
from lms.security import current_person


def may_see_deliveries(person: Any) -> bool:
    return is_admin(person)


def deliveries_keeper() -> None:
    if not may_see_deliveries(current_person()):
        raise Forbidden(_l("Only a site administrator can see the deliveries."))
