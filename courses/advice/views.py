from __future__ import annotations

from flask import Blueprint

bp = Blueprint("advice", __name__)


@bp.get("/advice")
def topics():
    return ""
