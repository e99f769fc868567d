"""Real servers for the tests: gunicorn serving Aula on the test's database, on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
