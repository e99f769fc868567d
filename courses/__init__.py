"""The domain: catalogue, workshops, enrolment and waiting lists, attendance, cohorts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import attendance, demo, reports, workshops

    workshops.init_app(app)
    attendance.init_app(app)
    reports.init_app(app)
    demo.init_app(app)
