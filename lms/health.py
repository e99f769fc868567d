"""``GET /healthz``: answers "ok" without touching the database; for load balancers, and the
ceiling that bench/enrol_storm.py measures the enrolment endpoint against."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
