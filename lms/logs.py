"""Logging, configured in one place: a format, a level (``LOG_LEVEL``), and a filter that
keeps secrets out of every line, whoever writes it (the app, Werkzeug, gunicorn's access log).

What never reaches a log: personal feed tokens and password-reset or confirmation tokens in
paths, bearer tokens, and statement parameters (e-mail addresses and password hashes; the
engine is made with ``hide_parameters``, see ``lms.config.engine_options``).
"""

from __future__ import annotations

import logging
import re

from flask import Flask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The loggers that may carry a request's path, besides the root's handlers.
LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")

REDACTIONS = (
    # a personal feed: /calendar/<token>.ics (the public catalogue's name is no secret)
    (re.compile(r"(/calendar/)(?!catalog\.ics)[^/?#\s\"']+(\.ics)"), r"\1[redacted]\2"),
    # single-use links: /password/reset/<token>, /confirm/<token>
    (re.compile(r"(/password/reset/|/confirm/)[^/?#\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1[redacted]"),
    (re.compile(r"(?i)([?&](?:token|jwt)=)[^&#\s\"']+"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    """``text`` with every token in it replaced by ``[redacted]``."""
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Rewrites a record's message without its tokens (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_redact = Redact()


def _guard(logger: logging.Logger) -> None:
    for target in (logger, *logger.handlers):
        if _redact not in target.filters:
            target.addFilter(_redact)


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not root.handlers:  # gunicorn and pytest bring their own; a bare start gets stderr
        logging.basicConfig(format=FORMAT)
    for package in ("lms", "courses", "scheduler"):
        logging.getLogger(package).setLevel(app.config["LOG_LEVEL"])
    for logger in (root, app.logger, *(logging.getLogger(n) for n in LOGGERS)):
        _guard(logger)
