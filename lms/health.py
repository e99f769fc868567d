"""``GET /healthz`` and ``GET /readyz``, for load balancers.

``/healthz`` answers "ok" without touching the database (the process is alive; also the
ceiling that bench/enrol_storm.py measures the enrolment endpoint against). ``/readyz`` asks
the database a trivial question: 200 when it answers, 503 with JSON when it cannot, so a
balancer stops sending people to a worker that could only fail them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("health", __name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", **NO_STORE}


@bp.get("/readyz")
def readyz():
    from lms.db import db

    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        # The reason goes to the log, not to whoever asks: it may name hosts and users.
        current_app.logger.exception("readiness check: the database does not answer")
        error = {"code": "database_unavailable", "message": "The database does not answer."}
        return jsonify(status="unavailable", error=error), 503, NO_STORE
    finally:
        db.session.remove()
    return jsonify(status="ready"), 200, NO_STORE


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
