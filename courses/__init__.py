"""The domain: catalogue, workshops, enrolment and waiting lists, attendance, cohorts, the
advice desk."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import advice, attendance, cohorts, demo, entities, people, reports, workshops

    workshops.init_app(app)
    attendance.init_app(app)
    reports.init_app(app)
    entities.init_app(app)
    cohorts.init_app(app)
    advice.init_app(app)
    people.init_app(app)
    demo.init_app(app)
