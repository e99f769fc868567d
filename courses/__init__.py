"""The domain: catalogue, workshops, enrolment and waiting lists, attendance, cohorts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import demo, workshops

    workshops.init_app(app)
    demo.init_app(app)
