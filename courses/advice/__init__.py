"""The advice desk: one-to-one consultations by video, routed by topic to an advisor."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.signals import account_closing

    from . import api, guards, models, operations, queries, views  # noqa: F401  (api: lms.api.bp)

    guards.connect()
    app.register_blueprint(views.bp)
    add_section(app, "advice", queries.personal_data)
    account_closing.connect(operations.on_account_closing)
    app.add_template_global(views.entity_cases, "advice_entity_cases")
    ui.add_panel(app, "entity", "courses/advice/_entity_panel.html")
    ui.add_nav_item(app, "advice.topics", _l("Advice"))
    ui.add_nav_item(app, "advice.desk", _l("Advisor's desk"), roles=("trainer",))
    ui.add_nav_item(app, "advice.coordination", _l("Advice desk"), roles=("coordinator",))
