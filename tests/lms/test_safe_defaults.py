"""Safe defaults: a public site refuses to start unsafe, https brings Secure cookies, HSTS and
the proxy's headers, readiness touches the database, personal answers are not cached, logs
hold no tokens or hashes, and the instance's files are its owner's alone."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.config import ConfigError, engine_options
from lms.db import db
from tests.factories import PASSWORD
from tests.servers import ROOT, free_port, wait_for_port

STRONG = "k" * 40


def _start(database_url, tmp_path, **config):
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "AUTO_SETUP": False, **config}
    return create_app(settings, instance_path=str(tmp_path / "i"))


def test_a_public_site_refuses_to_start_without_https_and_its_own_secret(tmp_path, database_url):
    # A production start (no TESTING, a public BASE_URL) stops with a message saying which
    # setting is unsafe: an http address, no secret key, a short or copied one.
    public = "aula.diputacion.es"
    with pytest.raises(ConfigError, match="https"):
        _start(database_url, tmp_path, BASE_URL=f"http://{public}", SECRET_KEY=STRONG)
    with pytest.raises(ConfigError, match="not set"):
        _start(database_url, tmp_path, BASE_URL=f"https://{public}")
    for weak in ("change-me", "short-secret"):
        with pytest.raises(ConfigError, match="too weak"):
            _start(database_url, tmp_path, BASE_URL=f"https://{public}", SECRET_KEY=weak)
    assert _start(database_url, tmp_path, BASE_URL=f"https://{public}", SECRET_KEY=STRONG)
    # Development (loopback, the debugger) and tests are exempt.
    assert _start(database_url, tmp_path, BASE_URL="http://127.0.0.1:5000")
    assert _start(database_url, tmp_path, BASE_URL=f"http://{public}", TESTING=True)
    assert _start(database_url, tmp_path, BASE_URL=f"http://{public}", DEBUG=True)


def test_an_https_site_sends_secure_cookies_and_hsts_and_trusts_its_proxy(make_app, make_user):
    # Behind https the cookies are Secure, HSTS is sent, and the proxy's X-Forwarded-* headers
    # are believed (one proxy by default), so each client has its own address.
    from flask import request

    def seen_by(app):
        app.add_url_rule("/_who", "who", lambda: f"{request.remote_addr} {request.scheme}")
        return app

    user = make_user()
    https = seen_by(make_app(BASE_URL="https://aula.test"))
    client = https.test_client()
    signed_in = client.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://aula.test",
    )
    cookies = signed_in.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert signed_in.headers["Strict-Transport-Security"].startswith("max-age=")
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client.get("/_who", headers=forwarded).text == "203.0.113.7 https"

    plain = seen_by(make_app())  # http://aula.test: no proxy trusted, no HSTS
    answer = plain.test_client().get("/_who", headers=forwarded)
    assert answer.text == "127.0.0.1 http"
    assert "Strict-Transport-Security" not in answer.headers


def test_readyz_asks_the_database(make_app):
    # /readyz is 200 when the database answers and 503, as JSON, when it cannot.
    ready = make_app().test_client().get("/readyz")
    assert (ready.status_code, ready.json["status"]) == (200, "ready")
    gone = make_app(SQLALCHEMY_DATABASE_URI="postgresql://aula@127.0.0.1:1/none")
    down = gone.test_client().get("/readyz")
    assert down.status_code == 503
    assert down.json["error"]["code"] == "database_unavailable"
    assert down.headers["Cache-Control"] == "no-store"
    assert gone.test_client().get("/healthz").status_code == 200  # alive, not ready


def test_server_databases_ping_connections_before_use(database, make_app, make_workshop):
    # A connection the server dropped (a restart, a failover) is replaced before a request
    # uses it, so the first request after the drop does not fail.
    assert engine_options({"SQLALCHEMY_DATABASE_URI": "postgresql://h/d"})["pool_pre_ping"]
    if database["kind"] != "postgresql":
        pytest.skip("dropping a server's connections needs PostgreSQL")
    app = make_app()
    client = app.test_client()
    assert client.get("/api/v1/workshops").status_code == 200  # a connection in the pool
    with app.app_context():
        db.session.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.commit()
        db.session.remove()
    assert client.get("/api/v1/workshops").status_code == 200


def test_personal_answers_are_not_stored(client, make_user, login, api_token):
    # Pages for a signed-in person, API answers to a bearer token and the token answer itself
    # carry Cache-Control: no-store; the public catalogue does not.
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    user = make_user()
    issued = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert issued.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me", headers=api_token(user)).headers["Cache-Control"] == "no-store"
    login(user)
    for path in ("/profile", "/me/workshops", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_statement_parameters_stay_out_of_errors_and_logs(app, make_user):
    # A database error (here a duplicate address) carries none of the statement's values, so
    # the error log of a failed request holds no password hash. (PostgreSQL's own detail
    # still names the duplicate key, the address, as its server log does.)
    from lms.accounts.models import User

    user = make_user()
    db.session.add(User(email=user.email, name="Copy", password_hash="scrypt:SECRET-HASH"))
    with pytest.raises(sa.exc.IntegrityError) as failed:
        db.session.flush()
    db.session.rollback()
    assert "SECRET-HASH" not in str(failed.value) and "Copy" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)


def test_the_apps_log_redacts_tokens(app, caplog):
    # Whatever Aula logs, a feed token, a reset token or a bearer token comes out redacted.
    with caplog.at_level(logging.INFO):
        app.logger.warning(
            "GET %s from %s", "/calendar/FEEDSECRET.ics?x=1", "Authorization: Bearer BEARERSECRET"
        )
        app.logger.warning("GET /password/reset/RESETSECRET and /calendar/catalog.ics")
    text = caplog.text
    assert "FEEDSECRET" not in text and "BEARERSECRET" not in text and "RESETSECRET" not in text
    assert "/calendar/[redacted].ics" in text and "/calendar/catalog.ics" in text


def test_gunicorns_access_log_holds_no_feed_token(database_url, tmp_path):
    # A production server's access log shows that a personal feed was asked for, not its token.
    port = free_port()
    env = {
        **os.environ,
        "LMS_SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_SECRET_KEY": STRONG,
        "LMS_AUTO_SETUP": "false",
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path / "access.log"
    app = f"lms:create_app(instance_path={str(tmp_path / 'i')!r})"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, proc)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/calendar/FEEDSECRET123.ics")
        for _ in range(100):  # gunicorn writes the line after answering
            if log.exists() and "calendar" in log.read_text():
                break
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    line = log.read_text()
    assert "/calendar/[redacted].ics" in line and "FEEDSECRET123" not in line


def test_the_instance_folder_and_database_are_the_owners_alone(tmp_path):
    # A fresh start makes the instance folder 0700 and the SQLite file and the secret 0600;
    # a folder left readable by others is closed.
    instance = tmp_path / "fresh"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    app = create_app({"SECRET_KEY": ""}, instance_path=str(instance))
    with app.app_context():
        db.engine.dispose()
    mode = lambda p: Path(p).stat().st_mode & 0o777  # noqa: E731
    assert mode(instance) == 0o700
    assert mode(instance / "aula.sqlite3") == 0o600
    assert mode(instance / "secret_key") == 0o600
