"""The domain: catalogue, workshops, enrolment and waiting lists, attendance, cohorts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import cohorts, demo, entities, workshops
    from .attendance import models  # noqa: F401  (its tables belong to the schema)

    workshops.init_app(app)
    entities.init_app(app)
    cohorts.init_app(app)
    demo.init_app(app)
