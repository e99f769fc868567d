"""Fixtures for Aula's tests: a real database (a SQLite file, or a fresh PostgreSQL database
when LMS_TEST_DATABASE_URL names a server), the app, and small factories."""

from __future__ import annotations

import contextvars
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from lms import create_app
from lms.db import db, utcnow

# Helper modules of the tests get pytest's assertion messages too.
pytest.register_assert_rewrite(
    "tests.attendance_fixtures",
    "tests.cohort_fixtures",
    "tests.feeds_fixtures",
    "tests.notify_fixtures",
    "tests.support",
    "tests.video_fixtures",
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def _migrate(url: str, instance: Path) -> None:
    from lms.setup import MIGRATIONS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "AUTO_SETUP": False, "SECRET_KEY": "t"},
        instance_path=str(instance),
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=MIGRATIONS, revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The session's database, migrated once: a template SQLite file, or a new PostgreSQL
    database made for this run and dropped after it."""
    instance = tmp_path_factory.mktemp("instance")
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{template}", instance)
        yield {"kind": "sqlite", "template": template}
        return
    name = f"aula_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
        _migrate(url, instance)
        yield {"kind": "postgresql", "url": url}
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(database, tmp_path) -> Iterator[str]:
    """A clean database for one test: a copy of the template file, or emptied tables."""
    if database["kind"] == "sqlite":
        path = tmp_path / "aula.sqlite3"
        shutil.copy(database["template"], path)
        yield f"sqlite:///{path}"
        return
    yield database["url"]
    engine = sa.create_engine(database["url"].replace("postgresql://", "postgresql+psycopg://", 1))
    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    Flask reuses an app context already pushed (the test's own), which would share ``g`` and
    the database session between the test and every request it makes.
    """

    def open(self, *args: Any, **kwargs: Any):
        def run():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


TEST_CONFIG = {
    "TESTING": True,
    "AUTO_SETUP": False,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_ENABLED": False,
    "WTF_CSRF_ENABLED": False,
    "BASE_URL": "http://aula.test",
    "MAIL_SENDER": "aula@aula.test",
}


@pytest.fixture
def make_app(database_url, tmp_path) -> Callable[..., Any]:
    """Build an app on the test's database, with overrides."""
    apps = []

    def make(**overrides: Any):
        config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides}
        app = create_app(config, instance_path=str(tmp_path / "instance"))
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app) -> Callable[..., Any]:
    """``make_user(role="trainer", name="Ana")``: a committed account."""
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user

    count = 0

    def make(
        role: str = "learner",
        *,
        email: str | None = None,
        name: str | None = None,
        locale: str = "",
        timezone: str = "Europe/Madrid",
        password: str = PASSWORD,
    ):
        nonlocal count
        count += 1
        user = create_user(
            email or f"{role}{count}-{uuid.uuid4().hex[:6]}@aula.test",
            name or f"{role.title()} {count}",
            password,
            Role(role),
            locale=locale,
            timezone=timezone,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_workshop(app, make_user) -> Callable[..., Any]:
    """``make_workshop(capacity=2)``: a committed public workshop a week from now."""
    from courses.workshops import operations

    def make(
        *,
        capacity: int = 10,
        trainer=None,
        title: str = "Cómo mejorar el footer de tu web",
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=1),
        timezone: str = "Europe/Madrid",
        topic: str = "Web",
        **extra: Any,
    ):
        starts_at = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
        workshop = operations.create_workshop(
            trainer=trainer or make_user("trainer"),
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            timezone=timezone,
            capacity=capacity,
            topic=topic,
            **extra,
        )
        db.session.commit()
        return workshop

    return make


@pytest.fixture
def login(client):
    """``login(user)``: sign the test client in through the real sign-in form; pass
    ``client=`` to sign in another client (one of an app from ``make_app``)."""

    default = client

    def do(user, password: str = PASSWORD, *, client: FlaskClient | None = None):
        client = default if client is None else client
        data = {"email": user.email, "password": password}
        if client.application.config.get("WTF_CSRF_ENABLED", True):
            page = client.get("/sign-in").get_data(as_text=True)
            data["csrf_token"] = page.split('name="csrf_token" type="hidden" value="')[1].split(
                '"'
            )[0]
        response = client.post("/sign-in", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def api_token(app) -> Callable[[Any], dict[str, str]]:
    """``api_token(user)``: headers carrying a fresh bearer token for ``user``."""
    from lms.accounts.operations import issue_token

    def make(user) -> dict[str, str]:
        token = issue_token(db.session.merge(user))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on port {port}")


@pytest.fixture
def live_server(database_url, tmp_path) -> Callable[..., str]:
    """``live_server(workers=4)``: gunicorn serving Aula on the test database; its base URL."""
    procs: list[subprocess.Popen] = []

    def start(workers: int = 2, **config: Any) -> str:
        port = free_port()
        env = {
            **os.environ,
            "LMS_SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_SECRET_KEY": "live-secret",
            "LMS_AUTO_SETUP": "false",
            "LMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "LMS_BASE_URL": f"http://127.0.0.1:{port}",
            "LMS_RATELIMIT_ENABLED": "false",
            "LMS_DELIVER_IN_PROCESS": "false",
        }
        env.update({f"LMS_{k}": str(v) for k, v in config.items()})
        instance = tmp_path / f"live-{port}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
                f"lms:create_app(instance_path={str(instance)!r})",
            ],
            cwd=ROOT,
            env=env,
        )
        procs.append(proc)
        wait_for_port(port, proc)
        return f"http://127.0.0.1:{port}"

    yield start
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Madrid")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
