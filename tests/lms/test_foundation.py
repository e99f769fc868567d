"""Configuration, the CLI, migrations, the demo programme and the plugin registry."""

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.db import db

ROOT = Path(__file__).resolve().parents[2]


def flask_cli(*args, env=None, instance=None):
    app = f"lms:create_app(instance_path={str(instance)!r})" if instance else "lms"
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", app, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_secret_key_is_generated_once_into_the_instance(tmp_path, database_url):
    # With no secret configured, one is made on first start and kept for the next.
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "AUTO_SETUP": False}
    first = create_app(config, instance_path=str(tmp_path / "i")).config["SECRET_KEY"]
    second = create_app(config, instance_path=str(tmp_path / "i")).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "i" / "secret_key").stat().st_mode & 0o077 == 0


def test_configuration_layers(tmp_path, database_url, monkeypatch):
    # instance/config.py overrides defaults; LMS_* environment overrides the file.
    instance = tmp_path / "i"
    instance.mkdir()
    (instance / "config.py").write_text("SITE_NAME = 'Smartpeme'\nBASE_URL = 'https://file'\n")
    monkeypatch.setenv("LMS_BASE_URL", "https://aula.example.org")
    monkeypatch.setenv("LMS_SECRET_KEY", "s" * 40)  # a public https site needs its own
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "AUTO_SETUP": False}, instance_path=str(instance)
    )
    assert app.config["SITE_NAME"] == "Smartpeme"
    assert app.config["BASE_URL"] == "https://aula.example.org"


def test_cli_users_create(tmp_path, database_url):
    # `flask users create` makes an account, and refuses a taken address with a clear message.
    env = {
        "LMS_SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_AUTO_SETUP": "false",
        "LMS_SECRET_KEY": "x",
    }
    args = [
        "users",
        "create",
        "--email",
        "t@aula.test",
        "--name",
        "Tere",
        "--password",
        "longenough",
        "--role",
        "trainer",
    ]
    ok = flask_cli(*args, env=env, instance=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "trainer t@aula.test" in ok.stdout
    again = flask_cli(*args, env=env, instance=tmp_path)
    assert again.returncode != 0
    assert "already exists" in again.stderr
    bad = flask_cli(
        "users",
        "create",
        "--email",
        "x@aula.test",
        "--name",
        "X",
        "--password",
        "longenough",
        "--role",
        "superuser",
        env=env,
        instance=tmp_path,
    )
    assert bad.returncode != 0 and "superuser" in bad.stderr


def test_fresh_start_migrates_and_loads_the_demo(tmp_path):
    # Asked for (as dev.py serve does), a fresh instance gets the demo on start, once only.
    from courses.workshops.queries import catalogue
    from lms.signals import demo_requested

    asked = {"SECRET_KEY": "x", "LOAD_DEMO_WHEN_EMPTY": True}
    loads = []
    with demo_requested.connected_to(loads.append):
        app = create_app(asked, instance_path=str(tmp_path / "fresh"))
        create_app(asked, instance_path=str(tmp_path / "fresh"))
    assert len(loads) == 1  # the second start finds people and asks for nothing

    with app.app_context():
        workshops = catalogue()  # the upcoming public week; past weeks and the cohort aside
        assert len(workshops) == 4
        db.engine.dispose()


def test_a_production_start_on_an_empty_database_loads_nothing(tmp_path):
    # Without being asked, an empty database gets its schema and stays empty.
    from lms.accounts.queries import has_users

    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path / "prod"))
    with app.app_context():
        assert not has_users()
        db.engine.dispose()


def test_dev_serve_asks_for_the_demo(monkeypatch):
    # dev.py serve turns the demo on for the development server's first start.
    import dev

    monkeypatch.delenv("LMS_LOAD_DEMO_WHEN_EMPTY", raising=False)
    monkeypatch.setattr(dev, "set_up", lambda: None)
    seen = {}
    monkeypatch.setattr(dev.os, "execv", lambda *a: seen.update(os.environ))
    monkeypatch.setattr(dev.os, "chdir", lambda *a: None)
    dev.main(["serve"])
    assert seen["LMS_LOAD_DEMO_WHEN_EMPTY"] == "true"


def test_demo_is_the_smartpeme_week(app):
    # The demo is the real programme: four workshops Tuesday to Friday, 12:00 (Thursday 18:00)
    # in Madrid, the first one full with people waiting. Loading it twice changes nothing.
    from courses.demo import load_demo
    from courses.workshops.queries import catalogue

    load_demo()
    db.session.commit()
    load_demo()
    db.session.commit()
    workshops = catalogue()  # the upcoming public week; past weeks and the cohort aside
    assert [w.title for w in workshops] == [
        "Cómo mejorar el footer de tu web",
        "Marketing de contenidos: aprende a diferenciarte de la competencia",
        "Aspectos legales que toda página web debe tener",
        "Promueve tu empresa a través de los stories de Instagram",
    ]
    local = [w.starts_at.astimezone(w.zone) for w in workshops]
    assert [d.isoweekday() for d in local] == [2, 3, 4, 5]
    assert [d.time() for d in local] == [time(12), time(12), time(18), time(12)]
    assert all(w.timezone == "Europe/Madrid" for w in workshops)
    assert workshops[0].is_full and workshops[0].waitlist_count == 3


def test_migrations_match_the_models_and_go_down(app):
    # The migrations build exactly the models' schema, and every one of them can be undone.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from lms.setup import MIGRATIONS

    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
        )
    assert diff == []
    downgrade(directory=MIGRATIONS, revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(directory=MIGRATIONS, revision="heads")
    assert "workshop" in sa.inspect(db.engine).get_table_names()


def test_plugins_command_lists_types(tmp_path, database_url):
    # `flask plugins` answers with what is installed.
    env = {
        "LMS_SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_AUTO_SETUP": "false",
        "LMS_SECRET_KEY": "x",
    }
    result = flask_cli("plugins", env=env, instance=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "notify_email" in result.stdout and "video_jitsi" in result.stdout


@pytest.fixture
def fake_distribution(tmp_path):
    """Install a throw-away distribution whose entry points publish the given plugins."""

    sites: list[str] = []
    made = iter(range(100))

    def install(group: str, entries: dict[str, str], module_source: str):
        for old in sites:
            sys.path.remove(old)
        site = tmp_path / f"site{next(made)}"
        dist = site / "fake_plugins-1.0.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugins\nVersion: 1.0\n")
        lines = "\n".join(f"{name} = fake_plugins:{attr}" for name, attr in entries.items())
        (dist / "entry_points.txt").write_text(f"[{group}]\n{lines}\n")
        (site / "fake_plugins.py").write_text(module_source)
        sys.path.insert(0, str(site))
        sites[:] = [str(site)]
        sys.modules.pop("fake_plugins", None)

    yield install
    for old in sites:
        sys.path.remove(old)
    sys.modules.pop("fake_plugins", None)


PLUGIN_SOURCE = """
class Good:
    name = "probe_good"
    version = "1.2"
    def ping(self):
        return "pong"

class Misnamed(Good):
    name = "good"

class NoVersion:
    name = "probe_noversion"
    def ping(self):
        return "pong"

class NoHook:
    name = "probe_nohook"
    version = "1.0"
"""


def test_registry_loads_good_plugins_and_refuses_bad_ones(fake_distribution):
    # A plugin must be named <type>_<name> like its entry point, carry a version and every hook.
    from typing import Protocol, runtime_checkable

    from lms.plugins import PluginError, discover, register_type

    @runtime_checkable
    class Probe(Protocol):
        name: str
        version: str

        def ping(self) -> str: ...

    probe = register_type("probe", Probe, "test plugins")
    fake_distribution("lms.probe", {"probe_good": "Good"}, PLUGIN_SOURCE)
    assert discover(probe)["probe_good"].ping() == "pong"
    for entry, attr, complaint in [
        ("probe_good", "Misnamed", "must be named"),
        ("probe_noversion", "NoVersion", "no name or version"),
        ("probe_nohook", "NoHook", "lacks the hooks"),
    ]:
        fake_distribution("lms.probe", {entry: attr}, PLUGIN_SOURCE)
        with pytest.raises(PluginError, match=complaint):
            discover(probe)
    from lms import plugins

    plugins._TYPES.pop("probe")


def test_loading_the_demo_writes_to_nobody(tmp_path, database_url):
    # The demo's people are fictional: loading it (on first start or on demand) sends no mail.
    from lms.notifications.models import OutboxMessage

    env = {
        "LMS_SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_AUTO_SETUP": "false",
        "LMS_SECRET_KEY": "x",
    }
    result = flask_cli("demo", env=env, instance=tmp_path)
    assert result.returncode == 0, result.stderr
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "AUTO_SETUP": False}, instance_path=str(tmp_path)
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
        assert db.session.scalar(sa.text("select count(*) from enrolment")) > 100
        db.engine.dispose()


@pytest.mark.parametrize(
    ("role", "in_menu", "in_header"),
    [
        ("learner", [], ["/me/workshops"]),
        ("trainer", ["/workshops/new", "/advice/desk"], ["/me/workshops"]),
        ("coordinator", ["/workshops/new", "/people", "/reports"], ["/me/workshops"]),
    ],
)
def test_staff_links_sit_in_one_manage_menu(client, login, make_user, role, in_menu, in_header):
    login(make_user(role))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    header = page.split("<main", 1)[0]
    menu = header.split('<details class="nav-menu">')[-1].split("</details>")[0] if in_menu else ""
    assert ('class="nav-menu"' in header) == bool(in_menu)
    for href in in_menu:
        assert f'href="{href}"' in menu, href
    for href in in_header:
        assert f'href="{href}"' in header and f'href="{href}"' not in menu, href
