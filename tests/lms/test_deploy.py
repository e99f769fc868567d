"""The deployment recipe runs: the image's start script (deploy/start.sh, the Dockerfile's
ENTRYPOINT, run here without a container) migrates an empty database, serves it with
gunicorn's workers without any demo, answers /readyz, and runs the delivery worker; the
Dockerfile and compose.yaml start what is tested here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "deploy" / "start.sh"


def _env(url: str, tmp_path: Path, port: int, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHON": sys.executable,
        "AULA_APP": f"lms:create_app(instance_path={str(tmp_path / 'instance')!r})",
        "AULA_BIND": f"127.0.0.1:{port}",
        "LMS_SQLALCHEMY_DATABASE_URI": url,
        "LMS_SECRET_KEY": "deploy-test-secret-" + "x" * 20,
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
        "LMS_LOAD_DEMO_WHEN_EMPTY": "true",  # the script must override even this
        **more,
    }


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _head() -> str:
    """The newest migration, read from the migrations themselves."""
    migrations = Path(__file__).resolve().parents[2] / "lms" / "migrations"
    head = ScriptDirectory(str(migrations)).get_current_head()
    assert head is not None
    return head


def _rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_the_web_start_migrates_an_empty_database_and_serves_it_without_the_demo(
    empty_database, tmp_path
):
    # `start.sh web` on an empty database: the schema at the newest migration, gunicorn with
    # AULA_WEB_WORKERS workers, /readyz and the catalogue answer, and nobody is in the
    # database (no demo, even when LMS_LOAD_DEMO_WHEN_EMPTY asks for it).
    port = free_port()
    env = _env(empty_database, tmp_path, port, AULA_WEB_WORKERS="2")
    proc = subprocess.Popen(["sh", str(START), "web"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, timeout=120)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            assert answer.status == 200
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) == 2  # gunicorn's workers
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        assert proc.stderr is not None
        proc.stderr.close()
    assert _rows(empty_database, "SELECT version_num FROM alembic_version") == [(_head(),)]
    assert _rows(empty_database, 'SELECT count(*) FROM "user"') == [(0,)]


def test_the_worker_and_migrate_starts(empty_database, tmp_path):
    # `start.sh migrate` migrates and exits; `start.sh worker --once` delivers what is due
    # and exits; any other word runs as a command (a coordinator made with the CLI).
    env = _env(empty_database, tmp_path, free_port())
    run = [
        subprocess.run(["sh", str(START), *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
        for args in (
            ["migrate"],
            ["worker", "--once"],
            [sys.executable, "-m", "flask", "--app", env["AULA_APP"], "users", "create",
             "--email", "ana@aula.test", "--name", "Ana", "--password", "a long pass phrase",
             "--role", "coordinator"],
        )
    ]  # fmt: skip
    assert [r.returncode for r in run] == [0, 0, 0], [r.stderr[-500:] for r in run]
    assert "Delivered or tried 0 messages" in run[1].stdout
    assert _rows(empty_database, 'SELECT email, role FROM "user"') == [
        ("ana@aula.test", "coordinator")
    ]


def test_the_image_and_compose_start_the_tested_script():
    # The Dockerfile starts deploy/start.sh (web by default, no demo); compose.yaml runs
    # PostgreSQL, Redis, the web server with 2 workers and the delivery worker, on one image.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert 'ENTRYPOINT ["/app/deploy/start.sh"]' in dockerfile
    assert 'CMD ["web"]' in dockerfile
    assert "COPY deploy deploy" in dockerfile and "/readyz" in dockerfile
    compose = (ROOT / "compose.yaml").read_text()
    services = re.findall(
        r"^  (\w+):$", compose.split("\nservices:\n")[1].split("\nvolumes:")[0], re.M
    )
    assert services == ["db", "redis", "web", "worker"]
    assert 'command: ["web"]' in compose and 'command: ["worker"]' in compose
    assert 'AULA_WEB_WORKERS: "2"' in compose
    assert "image: postgres:" in compose and "redis://redis:6379" in compose
