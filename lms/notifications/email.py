"""``notify_email``: the built-in e-mail channel.

Messages are built with the standard library's :class:`email.message.EmailMessage` (Flask-Mail
cannot set the ``method=`` parameter invitations need) in the layout Outlook, Gmail and Apple
Mail accept: ``multipart/mixed`` > ``multipart/alternative`` (text/plain, text/html, then
``text/calendar; method=...`` last). They go to ``MAIL_SERVER:MAIL_PORT`` with ``smtplib``
(STARTTLS or SSL and login when configured); with no server configured, each message is
written to ``instance/mail/<id>.eml`` instead, so a newcomer can read them.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime
from pathlib import Path

from flask import current_app

from lms.errors import one_line
from lms.plugins.notify import OutgoingMessage, PermanentDeliveryError


def _address(name: str, addr: str) -> Address | str:
    try:
        return Address(display_name=one_line(name), addr_spec=addr)
    except (ValueError, IndexError):
        return addr


def build(message: OutgoingMessage) -> EmailMessage:
    config = current_app.config
    mail = EmailMessage()
    mail["Subject"] = one_line(message.subject)  # a line break in a title is no header
    mail["From"] = _address(config["SITE_NAME"], config["MAIL_SENDER"])
    mail["To"] = _address(message.to_name, message.to_address)
    mail["Date"] = format_datetime(localtime())
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text, cte="quoted-printable")
    if message.html:
        mail.add_alternative(message.html, subtype="html", cte="quoted-printable")
    if message.calendar:
        _add_calendar(mail, message.calendar, message.calendar_method)
    mail.make_mixed()
    return mail


def _add_calendar(mail: EmailMessage, calendar: str, method: str) -> None:
    """The invitation, last in the alternatives, as exact bytes (iCalendar's CRLF lines kept),
    with ``method=`` written bare as RFC 6047 shows it (the library would quote it)."""
    method = method.upper()
    if not method.isalpha():
        raise ValueError(f"not an iTIP method: {method!r}")
    body = calendar.replace("\r\n", "\n").replace("\n", "\r\n").encode()
    mail.add_alternative(body, maintype="text", subtype="calendar", cte="base64")
    *_, part = mail.iter_parts()
    del part["Content-Type"]
    part.set_raw("Content-Type", f'text/calendar; charset="utf-8"; method={method}')


class EmailChannel:
    name = "notify_email"
    version = "1.0"
    channel = "email"

    def deliver(self, message: OutgoingMessage) -> None:
        mail = build(message)
        if current_app.config["MAIL_SERVER"]:
            self._send(mail, message.to_address)
        else:
            self._write(mail, message.id)

    def _send(self, mail: EmailMessage, to: str) -> None:
        c = current_app.config
        timeout = c["MAIL_TIMEOUT_SECONDS"]
        smtp_class = smtplib.SMTP_SSL if c["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=timeout) as smtp:
            if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            try:
                smtp.send_message(mail, from_addr=c["MAIL_SENDER"], to_addrs=[to])
            except smtplib.SMTPRecipientsRefused as e:
                codes = [code for code, _text in e.recipients.values()]
                if all(code >= 500 for code in codes):
                    raise PermanentDeliveryError(f"the server refused {to}: {e.recipients}") from e
                raise

    def _write(self, mail: EmailMessage, outbox_id: int) -> None:
        folder = Path(current_app.instance_path) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{outbox_id:08d}.eml"
        tmp = folder / f".{outbox_id}.{os.getpid()}.tmp"
        tmp.write_bytes(mail.as_bytes())
        os.replace(tmp, path)  # a retry writes the same file again, never a second one
