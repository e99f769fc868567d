"""The README's two commands, with nothing before them: only Python 3.11+ is needed.

    python3 dev.py serve    # set up, then the site at http://127.0.0.1:5000 with the demo
    python3 dev.py test     # set up, then the whole test suite (pytest's options pass through)

Setting up means a virtual environment in ``.venv`` with the project and its test tools at the
versions of ``requirements.lock`` (done again only when ``pyproject.toml`` or the lock change),
and, for ``test``, the tests' JavaScript (ical.js, axe-core) when npm is there. Standard library
only, so it runs before anything is installed. ``.ci/run`` uses the same ``test`` command.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / "aula-installed"


def _run(*command: str | Path, cwd: Path = ROOT) -> None:
    subprocess.run([str(c) for c in command], cwd=cwd, check=True)


def set_up() -> None:
    """Make or refresh ``.venv`` so it holds exactly what the lock says."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file runs on any python3)
        sys.exit("Aula needs Python 3.11 or later.")
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "requirements.lock").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("Making the virtual environment in .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing Aula and its test tools (requirements.lock) …", flush=True)
    pip = (BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    _run(*pip, "-c", "requirements.lock", "-e", ".[dev]")
    STAMP.write_text(wanted)


def _test_js() -> None:
    """The tests' JavaScript (tests/js): Mozilla's ical.js, a second iCalendar parser, and
    Deque's axe-core, the accessibility check run in the browser; without npm those tests skip
    (never in CI)."""
    js = ROOT / "tests" / "js"
    wanted = ("ical.js", "axe-core")
    if all((js / "node_modules" / p).exists() for p in wanted) or shutil.which("npm") is None:
        return
    _run("npm", "ci", "--no-audit", "--no-fund", "--silent", cwd=js)


def main(argv: list[str]) -> None:
    command, *rest = argv or ["serve"]
    if command not in {"serve", "test"}:
        sys.exit(__doc__)
    set_up()
    if command == "serve":
        program = [str(BIN / "flask"), "--app", "lms", "run", *rest]
        # The development server's first start shows the demo (only into a database with
        # nobody in it); a production start never loads it by itself.
        os.environ.setdefault("LMS_LOAD_DEMO_WHEN_EMPTY", "true")
    else:
        _test_js()
        program = [str(BIN / "pytest"), *rest]
    os.chdir(ROOT)
    if os.name == "nt":  # no exec on Windows: wait for the child and pass on its status
        sys.exit(subprocess.run(program).returncode)
    os.execv(program[0], program)


if __name__ == "__main__":
    main(sys.argv[1:])
