"""Helpers for the feeds' tests: two independent iCalendar parsers and a SQL counter."""

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


def icaljs(data: str | bytes) -> dict:
    """What Mozilla's ical.js reads in ``data`` (see tests/js/parse.mjs)."""
    if not (JS / "node_modules" / "ical.js").exists() or not shutil.which("node"):
        message = "ical.js is missing: (cd tests/js && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    text = data.decode() if isinstance(data, bytes) else data
    result = subprocess.run(
        ["node", str(JS / "parse.mjs")],
        input=json.dumps([text]),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=JS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]


def vobject_events(data: str | bytes) -> list[dict]:
    """What vobject reads in ``data``, validating it, in the same shape as ``icaljs``."""
    text = data.decode() if isinstance(data, bytes) else data
    # vobject keeps the first VTIMEZONE it meets for each TZID for the rest of the process;
    # each file must be read with its own.
    registry = getattr(vobject.icalendar, "__tzidMap")
    saved = dict(registry)
    registry.clear()
    registry["UTC"] = saved["UTC"]
    try:
        calendar = vobject.readOne(text, validate=True)
        return [_event(e) for e in calendar.contents.get("vevent", [])]
    finally:
        registry.clear()
        registry.update(saved)


def _event(event) -> dict:
    return {
        "uid": event.uid.value,
        "sequence": int(event.sequence.value),
        "status": event.status.value,
        "summary": event.summary.value,
        "start": event.dtstart.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": event.dtend.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
