"""Two independent iCalendar readers, Mozilla's ical.js and vobject, for the feeds' and the
notifications' tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

import pytest
import vobject

JS = Path(__file__).resolve().parent / "js"


def icaljs_available() -> bool:
    """True when ical.js is installed; in CI its absence is a failure, not a skip."""
    found = shutil.which("node") is not None and (JS / "node_modules" / "ical.js").exists()
    if not found and os.environ.get("CI"):
        pytest.fail("ical.js is missing: (cd tests/js && npm ci)")
    return found


def read_icaljs(texts: list[str]) -> list[dict]:
    """What Mozilla's ical.js (npm, tests/js) reads in each iCalendar text (see parse.mjs)."""
    if not icaljs_available():
        pytest.skip("ical.js is missing: (cd tests/js && npm ci)")
    result = subprocess.run(
        ["node", str(JS / "parse.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=JS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def icaljs(data: str | bytes) -> dict:
    """What Mozilla's ical.js reads in ``data``."""
    [reading] = read_icaljs([data.decode() if isinstance(data, bytes) else data])
    return reading


def read_vobject(data: str | bytes):
    """The calendar vobject reads in ``data``, validating it."""
    text = data.decode() if isinstance(data, bytes) else data
    # vobject keeps the first VTIMEZONE it meets for each TZID for the rest of the process;
    # each file must be read with its own.
    registry = getattr(vobject.icalendar, "__tzidMap")
    saved = dict(registry)
    registry.clear()
    registry["UTC"] = saved["UTC"]
    try:
        return vobject.readOne(text, validate=True)
    finally:
        registry.clear()
        registry.update(saved)


def vobject_events(data: str | bytes) -> list[dict]:
    """What vobject reads in ``data``, validating it, in the same shape as ``icaljs``."""
    return [_event(e) for e in read_vobject(data).contents.get("vevent", [])]


def _event(event) -> dict:
    return {
        "uid": event.uid.value,
        "sequence": int(event.sequence.value),
        "status": event.status.value,
        "summary": event.summary.value,
        "start": event.dtstart.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": event.dtend.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
