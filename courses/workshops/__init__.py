"""Workshops: dated, capped sessions, with enrolment and a first-come waiting list."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.signals import account_closing

    from . import api, operations, permissions, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    app.add_template_global(permissions.may_manage, "may_manage_workshop")
    ui.add_nav_item(app, "workshops.new", _l("New workshop"), roles=("trainer", "coordinator"))
    ui.add_panel(app, "workshop", "courses/workshops/_manage_panel.html")
    add_section(app, "workshops", queries.personal_data)
    account_closing.connect(operations.on_account_closing)
