"""Certificates of attendance: what one says, the code that verifies it, and its PDF.

A certificate exists for a seat whose holder came (present or late); nothing is stored for
it. Its verification code is the enrolment's id and an HMAC of the seat (enrolment, person,
workshop) under ``CERTIFICATE_SECRET`` (default: the ``SECRET_KEY``), 80 bits, so that nobody
can make up a valid code, and anyone holding one can check it at
``/certificates/verify/<code>`` for as long as the attendance stands. Changing the secret
voids every code printed before: set ``CERTIFICATE_SECRET`` of its own to rotate the key.

The PDF is drawn by WeasyPrint (the optional ``pdf`` extra, which needs Pango); without it
the HTML page stays, and :func:`pdf_available` says so to the templates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.units import format_unit
from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale

from courses.workshops.models import ATTENDED, Enrolment, EnrolmentState
from lms.db import db


@dataclass(frozen=True)
class Signature:
    """The signature block: who signs the programme's certificates (configuration)."""

    name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Certificate:
    enrolment: Enrolment
    code: str
    programme: str
    signature: Signature

    @property
    def holder(self):
        return self.enrolment.user

    @property
    def workshop(self):
        return self.enrolment.workshop

    @property
    def hours(self) -> float:
        seconds = (self.workshop.ends_at - self.workshop.starts_at).total_seconds()
        return round(seconds / 3600, 2)

    def hours_text(self) -> str:
        """ "1 hour", "1,5 horas": in the reader's language."""
        locale = str(get_locale() or "en")
        return format_unit(self.hours, "duration-hour", length="long", locale=locale)

    @property
    def local_start(self) -> datetime:
        return self.workshop.starts_at.astimezone(ZoneInfo(self.workshop.timezone))

    @property
    def verify_url(self) -> str:
        base = current_app.config["BASE_URL"].rstrip("/")
        return base + url_for("attendance.verify", code=self.code)


# --- the code --------------------------------------------------------------------------------


def _secret() -> bytes:
    config = current_app.config
    return str(config.get("CERTIFICATE_SECRET") or config["SECRET_KEY"]).encode()


def _mac(enrolment_id: int, user_id: int, workshop_id: int) -> str:
    message = f"aula-certificate\x00{enrolment_id}\x00{user_id}\x00{workshop_id}".encode()
    digest = hmac.new(_secret(), message, hashlib.sha256).digest()
    text = base64.b32encode(digest[:10]).decode()  # 80 bits, 16 characters
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def code_of(enrolment: Enrolment) -> str:
    """``1234-ABCD-EFGH-IJKL-MNOP``: the seat's id, then its HMAC."""
    return f"{enrolment.id}-{_mac(enrolment.id, enrolment.user_id, enrolment.workshop_id)}"


def _normalised(code: str) -> tuple[int, str] | None:
    head, _sep, mac = code.strip().upper().replace(" ", "").partition("-")
    if not (head.isascii() and head.isdigit() and len(head) <= 12 and len(mac) == 19):
        return None
    return int(head), mac


# --- reads -----------------------------------------------------------------------------------


def _certificate(enrolment: Enrolment) -> Certificate:
    config = current_app.config
    organisation = config.get("CERTIFICATE_ORGANISATION") or config["SITE_NAME"]
    return Certificate(
        enrolment=enrolment,
        code=code_of(enrolment),
        programme=config.get("CERTIFICATE_PROGRAMME") or config["SITE_NAME"],
        signature=Signature(
            name=config.get("CERTIFICATE_SIGNER_NAME") or "",
            role=config.get("CERTIFICATE_SIGNER_ROLE") or "",
            organisation=organisation,
        ),
    )


def _attended() -> sa.Select:
    return sa.select(Enrolment).where(
        Enrolment.state == EnrolmentState.enrolled, Enrolment.attendance.in_(ATTENDED)
    )


def of_seat(workshop_id: int, user_id: int) -> Certificate | None:
    """The certificate of a person who came to a workshop; None otherwise."""
    enrolment = db.session.scalar(
        _attended().where(Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id)
    )
    return _certificate(enrolment) if enrolment else None


def of_workshop(workshop_id: int) -> list[Certificate]:
    """Everyone who came to a workshop, by name: one certificate each."""
    from lms.accounts.models import User

    query = (
        _attended()
        .join(Enrolment.user)
        .where(Enrolment.workshop_id == workshop_id)
        .order_by(sa.func.lower(User.name), User.id)
    )
    return [_certificate(e) for e in db.session.scalars(query)]


def verify(code: str) -> Certificate | None:
    """The certificate a code stands for, while its holder's attendance stands; else None."""
    parsed = _normalised(code)
    if parsed is None:
        return None
    enrolment_id, mac = parsed
    enrolment = db.session.scalar(_attended().where(Enrolment.id == enrolment_id))
    if enrolment is None:
        return None
    expected = _mac(enrolment.id, enrolment.user_id, enrolment.workshop_id)
    if not hmac.compare_digest(expected, mac):
        return None
    return _certificate(enrolment)


# --- PDF -------------------------------------------------------------------------------------


@cache
def pdf_available() -> bool:
    """WeasyPrint and its Pango are installed (the ``pdf`` extra)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _locale_of(certificate: Certificate) -> str:
    languages = current_app.config["LANGUAGES"]
    locale = certificate.holder.locale
    return locale if locale in languages else str(get_locale() or languages[0])


def pdf(certificates: Iterable[Certificate], *, own_language: bool = True) -> bytes:
    """One A4 page per certificate; each in its holder's language unless ``own_language``
    is false (then in the reader's)."""
    from weasyprint import HTML

    pages = []
    for certificate in certificates:
        if own_language:
            with force_locale(_locale_of(certificate)):
                pages.append(_page(certificate))
        else:
            pages.append(_page(certificate))
    html = render_template("courses/attendance/certificates_pdf.html", pages=pages)
    return HTML(string=html, base_url=current_app.config["BASE_URL"]).write_pdf()


def _page(certificate: Certificate) -> str:
    return render_template(
        "courses/attendance/_certificate.html", certificate=certificate, for_pdf=True
    )
