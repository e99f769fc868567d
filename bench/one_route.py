"""The ceiling of bench/write_path.py: a Flask app with one route and nothing else, served by the
same gunicorn command as Aula. ``gunicorn bench.one_route:app``."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/enrol", methods=["GET", "POST"])
def enrol() -> tuple[str, int]:
    return "ok", 201
