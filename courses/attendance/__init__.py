"""Attendance: who came. Room joins recorded by the video rooms pre-fill it."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui


def init_app(app: Flask) -> None:
    from . import api, models, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    ui.add_panel(app, "workshop", "courses/attendance/_workshop_panel.html")
    ui.add_nav_item(app, "attendance.history", _l("My attendance"), roles=("learner",))
    ui.add_nav_item(app, "attendance.teaching", _l("Attendance"), roles=("trainer", "coordinator"))
