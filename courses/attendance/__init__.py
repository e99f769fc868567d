"""Attendance: who came. Room joins recorded by the video rooms pre-fill it."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms import ui

#: The certificates' programme, signature block and verification key; each may be set in
#: ``instance/config.py`` or as ``LMS_CERTIFICATE_…``. Empty means: the site's name (the
#: programme, the organisation), no named signer, the ``SECRET_KEY``.
CERTIFICATE_DEFAULTS = {
    "CERTIFICATE_PROGRAMME": "",
    "CERTIFICATE_ORGANISATION": "",
    "CERTIFICATE_SIGNER_NAME": "",
    "CERTIFICATE_SIGNER_ROLE": "",
    "CERTIFICATE_SECRET": "",
}


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section

    from . import api, certificates, models, queries, views  # noqa: F401  (api: lms.api.bp)

    for key, value in CERTIFICATE_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.jinja_env.globals["certificates_pdf_available"] = certificates.pdf_available
    app.register_blueprint(views.bp)
    add_section(app, "attendance", queries.personal_data)
    ui.add_panel(app, "workshop", "courses/attendance/_workshop_panel.html")
    ui.add_nav_item(app, "attendance.history", _l("My attendance"), roles=("learner",))
    ui.add_nav_item(app, "attendance.teaching", _l("Attendance"), roles=("trainer", "coordinator"))
