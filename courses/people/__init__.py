"""People pages for coordinators: list and search, accounts made, roles, deactivation,
enrolments on someone's behalf, another date, and the import of a CSV or XLSX file."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.notifications.render import register

    from . import api, mail, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.register_blueprint(views.bp)
    # before every other hook: the site-wide checks read the form, hence the body
    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_files)
    register(app, "people", mail.PeopleMessages())
    add_section(app, "done_on_their_behalf", queries.personal_data)
    ui.add_nav_item(app, "people.index", _l("People"), roles=("coordinator",))
