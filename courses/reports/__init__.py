"""Reports for coordinators: the programme's figures per week, with charts and exports."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui


def init_app(app: Flask) -> None:
    from . import views

    app.register_blueprint(views.bp)
    ui.add_nav_item(app, "reports.report", _l("Reports"), roles=("coordinator",))
