"""The core of Aula's test fixtures: the app on the test's database, a client, signing in.

Beside it, loaded as plugins: tests/databases.py (a real SQLite file, or a fresh PostgreSQL
database when LMS_TEST_DATABASE_URL names a server), tests/factories.py (one factory per
model), tests/servers.py (gunicorn on a free port) and tests/browsers.py (Chromium); feature
helpers sit beside them as tests/<feature>_fixtures.py.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient

from lms import create_app
from lms.db import db

pytest_plugins = ["tests.databases", "tests.factories", "tests.servers", "tests.browsers"]

# Helper modules of the tests get pytest's assertion messages too.
pytest.register_assert_rewrite(
    "tests.cohort_fixtures",
    "tests.feeds_fixtures",
    "tests.notify_fixtures",
    "tests.people_fixtures",
    "tests.support",
    "tests.video_fixtures",
)


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
def login(client):
    """``login(user)``: sign the test client in through the real sign-in form; pass
    ``client=`` to sign in another client (one of an app from ``make_app``)."""

    default = client

    def do(user, password: str | None = None, *, client: FlaskClient | None = None):
        from tests.factories import PASSWORD

        client = default if client is None else client
        data = {"email": user.email, "password": PASSWORD if password is None else password}
        if client.application.config.get("WTF_CSRF_ENABLED", True):
            page = client.get("/sign-in").get_data(as_text=True)
            data["csrf_token"] = page.split('name="csrf_token" type="hidden" value="')[1].split(
                '"'
            )[0]
        response = client.post("/sign-in", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do
