"""Fixtures of the video-room tests: a fake BigBlueButton that checks what BigBlueButton
checks, a stand-in video server that answers any address, and workshops placed in time."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lms.db import db, utcnow

BBB_SECRET = "bbb-shared-secret-for-tests-0123456789"
ALGORITHMS = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


def _xml(returncode: str, **fields: str) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<response><returncode>{returncode}</returncode>{inner}</response>".encode()


class FakeBigBlueButton:
    """BigBlueButton's API as its documentation describes it, small: the checksum over exactly
    the query string sent, the required parameters, ``createTime`` checked on join."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.meetings: dict[str, str] = {}  # meetingID -> createTime
        self.next_create_time = 1_700_000_000_000

    def answer(self, path: str) -> bytes:
        parts = urlsplit(path)
        prefix = "/bigbluebutton/api/"
        if not parts.path.startswith(prefix):
            return _xml("FAILED", messageKey="notFound")
        call = parts.path[len(prefix) :]
        query, _, digest = parts.query.rpartition("&checksum=")
        algorithm = ALGORITHMS.get(len(digest))
        expected = algorithm and hashlib.new(algorithm, f"{call}{query}{self.secret}".encode())
        if not expected or expected.hexdigest() != digest:
            return _xml("FAILED", messageKey="checksumError")
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        self.calls.append((call, params))
        return getattr(self, f"do_{call}", lambda p: _xml("FAILED", messageKey="unknown"))(params)

    def do_create(self, p: dict[str, str]) -> bytes:
        if not p.get("meetingID") or not p.get("name"):
            return _xml("FAILED", messageKey="missingParam")
        if p["meetingID"] in self.meetings:
            key = "duplicateWarning"
        else:
            self.next_create_time += 1000
            self.meetings[p["meetingID"]] = str(self.next_create_time)
            key = ""
        return _xml(
            "SUCCESS",
            meetingID=p["meetingID"],
            createTime=self.meetings[p["meetingID"]],
            messageKey=key,
        )

    def do_join(self, p: dict[str, str]) -> bytes:
        if not p.get("meetingID") or not p.get("fullName"):
            return _xml("FAILED", messageKey="missingParam")
        if p.get("role") not in ("MODERATOR", "VIEWER"):
            return _xml("FAILED", messageKey="invalidRole")
        if p["meetingID"] not in self.meetings:
            return _xml("FAILED", messageKey="invalidMeetingIdentifier")
        if "createTime" in p and p["createTime"] != self.meetings[p["meetingID"]]:
            return _xml("FAILED", messageKey="mismatchCreateTimeParam")
        return _xml("SUCCESS", messageKey="successfullyJoined")

    def do_end(self, p: dict[str, str]) -> bytes:
        if self.meetings.pop(p.get("meetingID", ""), None) is None:
            return _xml("FAILED", messageKey="notFound")
        return _xml("SUCCESS", messageKey="sentEndMeetingRequest")


def _serve(respond: Callable[[str], tuple[int, bytes, str]]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, kind = respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def fake_bbb() -> Iterator[tuple[FakeBigBlueButton, str]]:
    """A fake BigBlueButton on a free loopback port; its BBB_URL."""
    bbb = FakeBigBlueButton(BBB_SECRET)
    server, base = _serve(lambda path: (200, bbb.answer(path), "text/xml"))
    yield bbb, f"{base}/bigbluebutton/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def room_server() -> Iterator[tuple[list[str], str]]:
    """A stand-in video server answering 200 to any address; the paths it saw, its URL."""
    seen: list[str] = []

    def respond(path: str) -> tuple[int, bytes, str]:
        seen.append(path)
        return 200, b"<!doctype html><title>Room</title><h1>Video room</h1>", "text/html"

    server, base = _serve(respond)
    yield seen, base
    server.shutdown()
    server.server_close()


@pytest.fixture
def workshop_at(make_workshop) -> Callable[..., Any]:
    """``workshop_at(minutes=5, enrol=[ana])``: a workshop starting ``minutes`` from now
    (negative: already started), with those people enrolled or waiting in order."""
    from courses.workshops import operations

    def make(minutes: float = 5, *, enrol: tuple = (), duration: float = 60, **kw: Any):
        starts_at = (utcnow() + timedelta(minutes=minutes)).replace(microsecond=0)
        later = max(starts_at, utcnow()) + timedelta(days=1)
        workshop = make_workshop(starts_at=later, duration=timedelta(minutes=duration), **kw)
        for person in enrol:
            operations.enrol(workshop.id, person)
        if later != starts_at:
            operations.update_workshop(
                workshop.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=duration)
            )
        db.session.commit()
        return workshop

    return make
