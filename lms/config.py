"""Configuration: defaults, then ``instance/config.py``, then ``LMS_*`` environment, then tests."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask

#: Host names that never reach the internet (RFC 6761 and loopback): a site at one of them
#: serves this machine or a test, not the public.
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".test", ".example", ".invalid")
#: Secrets that people copy from examples; a production start refuses them.
PLACEHOLDER_SECRETS = frozenset({"secret", "change-me", "changeme", "dev", "development", "x"})
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting that is unsafe or wrong: the app refuses to start and says which."""


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
    #: Failed sign-ins (web and API) and reset requests per account, from any address.
    ACCOUNT_RATE_LIMIT = "5 per minute; 30 per hour"
    #: An API token opens the API for this many days; its owner can revoke it sooner.
    API_TOKEN_DAYS = 90
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
    REMEMBER_COOKIE_HTTPONLY = True
    #: "Keep me signed in" lasts this long; signing out, or a new password, ends it sooner.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    #: How many proxies in front of the app add ``X-Forwarded-*`` headers (Werkzeug's
    #: ProxyFix trusts that many). None: one when BASE_URL is https, none otherwise.
    PROXIES: int | None = None
    #: ``Strict-Transport-Security`` max-age when BASE_URL is https.
    HSTS_SECONDS = 365 * 24 * 3600
    #: The level of Aula's own loggers (``lms``, ``courses``, ``scheduler``).
    LOG_LEVEL = "INFO"
    #: The days programmes do not meet unless a programme names its own (``flask --app lms
    #: programmes holidays``): ``MM-DD`` every year, ``YYYY-MM-DD`` once. Spain's national
    #: holidays of fixed date; a cohort's meetings on one of them are pointed out.
    HOLIDAYS = "01-01 01-06 05-01 08-15 10-12 11-01 12-06 12-08 12-25"
    #: Retention (``flask --app lms prune``, and the worker every PRUNE_INTERVAL_HOURS): days
    #: after which what is past its time is deleted. Sessions, API tokens and e-mailed links,
    #: counted from when they expired or were used (they open nothing by then):
    RETENTION_ENDED_DAYS = 7
    #: Delivered messages (address and text), counted from delivery:
    RETENTION_SENT_MESSAGE_DAYS = 90
    #: Messages that failed for good, counted from their last attempt (time to retry them):
    RETENTION_FAILED_MESSAGE_DAYS = 180
    PRUNE_INTERVAL_HOURS = 24
    #: Whom people write to about their data (the privacy page); empty: MAIL_SENDER.
    PRIVACY_CONTACT = ""
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1024 * 1024


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    private_folder(Path(app.instance_path))
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'aula.sqlite3'}"
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if test_config:
        app.config.update(test_config)
    app.config["PUBLIC"] = is_public(app)
    if app.config["PUBLIC"]:
        check_public(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    https = app.config["BASE_URL"].lower().startswith("https://")
    app.config["HTTPS"] = https
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        if app.config["PROXIES"] is None:
            app.config["PROXIES"] = 1
    app.config["PROXIES"] = int(app.config["PROXIES"] or 0)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)


def engine_options(config: Any) -> dict[str, Any]:
    """The engine's options: statement parameters (e-mail addresses, password hashes) kept
    out of logs and error messages; connections a server dropped replaced before use; a
    SQLite file made readable by its owner only."""
    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    options: dict[str, Any] = {"hide_parameters": True}
    if uri.startswith("sqlite"):
        database = sa.engine.make_url(uri).database
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
    else:
        options["pool_pre_ping"] = True
    return {**options, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}


def is_local_address(url: str) -> bool:
    """Whether ``url`` names this machine or a name reserved for tests and examples."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_public(app: Flask) -> bool:
    """A production site: not a test, not the debugger, and a BASE_URL that people outside
    this machine can reach. ``flask run`` and ``dev.py serve`` use the loopback default."""
    if app.config.get("TESTING") or app.debug:
        return False
    return not is_local_address(app.config["BASE_URL"])


def check_public(config: Any) -> None:
    """Refuse to serve the public without https and a secret key of its own."""
    base = config["BASE_URL"]
    if not base.lower().startswith("https://"):
        raise ConfigError(
            f"LMS_BASE_URL is {base!r}: a public site needs an https:// address "
            "(sign-in cookies and passwords must not travel in clear)."
        )
    key = str(config.get("SECRET_KEY") or "")
    if not key:
        raise ConfigError(
            "LMS_SECRET_KEY is not set: a public site needs its own secret, the same on every "
            "host (python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if len(key) < MIN_SECRET_LENGTH or key.lower() in PLACEHOLDER_SECRETS:
        raise ConfigError(
            f"LMS_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def private_folder(path: Path) -> None:
    """Make ``path`` (the instance folder: database, secret, mail) readable by its owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.getuid():
        path.chmod(0o700)


def private_file(path: Path) -> None:
    """Create ``path`` (a SQLite file) readable and writable by its owner only, or make it so."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass  # not ours: SQLite will say what is wrong when it opens it


def _instance_secret(instance: Path) -> str:
    """The secret key kept in the instance folder, made once on first start."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    private_folder(instance)
    key = secrets.token_hex(32)
    tmp = instance / f".secret_key.{os.getpid()}"
    with os.fdopen(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as f:
        f.write(key)
    try:
        os.link(tmp, path)  # atomic: the first worker to start wins
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
