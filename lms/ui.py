"""Extension points of the pages: packages add navigation links and page panels here, so no
feature has to edit another's templates.

- ``add_nav_item(app, endpoint, label, roles=("coordinator",))``: a link in the header for
  signed-in people with one of ``roles`` (everyone signed in when ``roles`` is empty);
  ``"admin"`` names site administrators. Links meant for staff only (``roles`` given and
  without ``"learner"``) sit in the header's one "Manage" menu, so a coordinator's header
  stays one line however many features add pages for her.
- ``add_panel(app, slot, template)``: a template included in a page's slot. Slots:
  ``workshop`` (the workshop page; ``workshop`` and ``place`` in scope) and ``profile``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazily translated string
    roles: tuple[str, ...] = ()

    @property
    def staff(self) -> bool:
        return bool(self.roles) and "learner" not in self.roles


def _registry(app: Flask) -> dict:
    return app.extensions.setdefault("lms.ui", {"nav": [], "panels": {}})


def add_nav_item(app: Flask, endpoint: str, label: object, roles: tuple[str, ...] = ()) -> None:
    items = _registry(app)["nav"]
    if all(i.endpoint != endpoint for i in items):
        items.append(NavItem(endpoint, label, tuple(roles)))


def add_panel(app: Flask, slot: str, template: str) -> None:
    panels = _registry(app)["panels"].setdefault(slot, [])
    if template not in panels:
        panels.append(template)


def init_app(app: Flask) -> None:
    registry = _registry(app)

    @app.context_processor
    def _ui():
        held: set[str] = set()
        if current_user.is_authenticated:
            held = {current_user.role.value} | ({"admin"} if current_user.is_admin else set())
        nav = [i for i in registry["nav"] if held and (not i.roles or held & set(i.roles))]
        return {
            "nav_items": [i for i in nav if not i.staff],
            "manage_items": [i for i in nav if i.staff],
            "panels": registry["panels"],
        }
