"""Fixtures for the notification tests: a real SMTP server on loopback (aiosmtpd), worker
processes, and invitations read by two iCalendar parsers that are not the ``icalendar`` library
(see feeds_fixtures)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from tests.feeds_fixtures import icaljs_available, read_icaljs, read_vobject
from tests.servers import ROOT, free_port

UTC = ZoneInfo("UTC")


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, and can be told to misbehave."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.lock = threading.Lock()
        #: Answer DATA with 451 this many more times.
        self.refuse = 0
        #: Addresses refused for good (550) at RCPT.
        self.unknown: set[str] = set()
        #: Hold the next DATA until ``release`` is set, then answer 451 (a stalled server).
        self.stall_next = False
        self.stalled = threading.Event()
        self.release = threading.Event()
        #: Hold the first DATA until this many distinct connections have been seen.
        self.wait_for_sessions = 0
        self.peers: set[Any] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        if self.stall_next:
            self.stall_next = False
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 stalled"
        deadline = time.monotonic() + 30
        while len(self.peers) < self.wait_for_sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.wait_for_sessions = 0
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.raw = envelope.content  # the bytes as they came, for what parsing hides
        with self.lock:
            self.received.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"].addresses[0].addr_spec == address]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)


class SMTPServer:
    """``start()``/``stop()`` a real SMTP server on a port chosen once, so it can go down and
    come back on the same address."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def config(self) -> dict[str, Any]:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT_SECONDS": 10}

    def start(self) -> SMTPServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.inbox.release.set()
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    """A real SMTP server on loopback, running; ``smtp.stop()`` takes it down. Every invitation
    it received is read by vobject and ical.js when the test ends."""
    server = SMTPServer().start()
    yield server
    server.stop()
    check_invitations(server.inbox.received)


@pytest.fixture
def smtp_down() -> Iterator[SMTPServer]:
    """The address of an SMTP server that is not running yet; ``start()`` brings it up."""
    server = SMTPServer()
    yield server
    server.stop()
    check_invitations(server.inbox.received)


def check_invitations(mails: list[EmailMessage]) -> None:
    """Each invitation parses with vobject and ical.js, which agree on its METHOD and on each
    event's UID, SEQUENCE and start, and its METHOD is the ``method=`` of its MIME part."""
    parts = [p for p in (calendar_part(m) for m in mails) if p is not None]
    texts = [p.get_content() for p in parts]
    js = read_icaljs(texts) if texts and icaljs_available() else [None] * len(texts)
    for part, text, js_reading in zip(parts, texts, js, strict=True):
        vo = read_vobject(text)
        assert part.get_param("method") == vo.method.value
        if js_reading is not None:  # a digest holds several events, each read alike
            assert js_reading["method"] == vo.method.value
            vevents = vo.contents["vevent"]
            assert len(js_reading["events"]) == len(vevents)
            for event, vevent in zip(js_reading["events"], vevents, strict=True):
                assert (event["uid"], event["sequence"]) == (
                    vevent.uid.value,
                    int(vevent.sequence.value),
                )
                start = vevent.dtstart.value.astimezone(UTC)
                assert event["start"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")


def worker_env(database_url: str, **config: Any) -> dict[str, str]:
    env = {
        **os.environ,
        "LMS_SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_SECRET_KEY": "worker-secret",
        "LMS_AUTO_SETUP": "false",
        "LMS_DELIVER_IN_PROCESS": "false",
        "LMS_BASE_URL": "http://aula.test",
        "LMS_MAIL_SENDER": "aula@aula.test",
    }
    env.update(
        {f"LMS_{k}": json.dumps(v) if not isinstance(v, str) else v for k, v in config.items()}
    )
    return env


@pytest.fixture
def start_worker(database_url, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """``start_worker("--once", MAIL_PORT=...)``: ``flask --app lms worker`` as its own process."""
    procs: list[subprocess.Popen] = []

    def start(*args: str, **config: Any) -> subprocess.Popen:
        instance = tmp_path / f"worker-{len(procs)}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                f"lms:create_app(instance_path={str(instance)!r})",
                "worker",
                *args,
            ],
            cwd=ROOT,
            env=worker_env(database_url, **config),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def calendar_part(message: EmailMessage) -> EmailMessage | None:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return parts[0] if parts else None


def layout(message: EmailMessage) -> list[str]:
    """The MIME tree as ``["multipart/mixed", " multipart/alternative", "  text/plain", ...]``."""

    def walk(part, depth):
        yield " " * depth + part.get_content_type()
        if part.is_multipart():
            for sub in part.iter_parts():
                yield from walk(sub, depth + 1)

    return list(walk(message, 0))


def outbox(**where: Any) -> list:
    """Every outbox message, oldest first, as the database holds it now."""
    import sqlalchemy as sa

    from lms.db import db
    from lms.notifications.models import OutboxMessage

    db.session.rollback()
    query = sa.select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def eml_files(instance: Path) -> list[Path]:
    return sorted((instance / "mail").glob("*.eml"))
