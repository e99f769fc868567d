"""Programmes: several spaces on one Aula (a province's workshops, an office's bootcamp), each
with its staff by role. Every workshop, topic, itinerary, cohort and entity belongs to one; the
rule of who acts where is :mod:`lms.programmes.permissions`."""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import api, cli  # noqa: F401  (api adds its routes to lms.api.bp)

    app.cli.add_command(cli.programmes)
