"""Configuration: defaults, then ``instance/config.py``, then ``LMS_*`` environment, then tests."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask


class Defaults:
    #: Public address of the site, used in e-mails, invitations and feeds.
    BASE_URL = "http://127.0.0.1:5000"
    #: The programme's name, shown in the header, e-mails and calendar names.
    SITE_NAME = "Aula"
    LANGUAGES = ("en", "es", "ca", "gl")
    BABEL_DEFAULT_LOCALE = "en"
    DEFAULT_TIMEZONE = "Europe/Madrid"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: Create or upgrade the schema when the app starts. Right for one machine; a deploy with
    #: several hosts sets it to false and runs ``flask --app lms db upgrade`` once.
    AUTO_SETUP = True
    #: Load the demo on start into a database with nobody in it. Off: an empty production
    #: database stays empty. ``python3 dev.py serve`` turns it on; ``flask --app lms demo``
    #: loads it on request.
    LOAD_DEMO_WHEN_EMPTY = False
    #: Flask-Limiter's store: memory for one process, ``redis://host:6379`` for several.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = "10 per minute"
    #: SMTP; when MAIL_SERVER is empty, outgoing mail is written under instance/mail/.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "aula@localhost"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1024 * 1024


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'aula.sqlite3'}"
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """The secret key kept in the instance folder, made once on first start."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = instance / f".secret_key.{os.getpid()}"
    tmp.write_text(key)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # atomic: the first worker to start wins
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
