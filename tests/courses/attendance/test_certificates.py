"""Certificates of attendance: what they say, their PDF (one and a workshop's), and the public
page that verifies their code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from courses.attendance import certificates, operations
from courses.workshops.models import Attendance
from lms.db import db

pytest_plugins = ["tests.certs_fixtures"]

START = datetime(2026, 3, 17, 11, 0, tzinfo=UTC)  # 12:00 in Madrid, a Tuesday
PROGRAMME = {
    "CERTIFICATE_PROGRAMME": "Smartpeme Pontevedra 2026",
    "CERTIFICATE_ORGANISATION": "Deputación de Pontevedra",
    "CERTIFICATE_SIGNER_NAME": "Uxía Fernández",
    "CERTIFICATE_SIGNER_ROLE": "Coordinadora do programa",
}


@pytest.fixture
def programme_app(make_app):
    """The app with a programme's certificate settings."""
    app = make_app(**PROGRAMME)
    with app.app_context():
        yield app


def held(make_held_workshop, people, marks, **extra):
    """A 90-minute workshop held at START, with the given marks set by its trainer."""
    workshop, seated, _ = make_held_workshop(
        seated=people, starts_at=START, duration=timedelta(minutes=90), title="Footer", **extra
    )
    for person, mark in zip(seated, marks, strict=True):
        if mark:
            operations.mark(workshop.id, person.id, Attendance(mark), by=workshop.trainer)
    db.session.commit()
    return workshop, seated


def body_of(page: str) -> str:
    return re.search(r'<p class="certificate-body">(.*?)</p>', page, re.S).group(1)


def test_the_certificate_names_the_programme_hours_date_and_signature(
    programme_app, make_held_workshop, make_user, login
):
    # The page names the programme, the hours, the date attended, the signer, and gives the
    # time once: "12:00, from 12:00 to 13:30" was the bug.
    client = programme_app.test_client()
    ana = make_user(name="Ana Pérez", locale="es")
    workshop, _ = held(make_held_workshop, [ana], ["present"])
    login(ana, client=client)
    page = client.get(f"/workshops/{workshop.id}/certificate").get_data(as_text=True)
    body = body_of(page)
    assert body.count("12:00") == 1 and "13:30" in body
    assert "martes, 17 de marzo de 2026" in body and "Ana Pérez" in body
    assert "Smartpeme Pontevedra 2026" in body
    assert "1,5 horas" in page
    for value in PROGRAMME.values():
        assert value in page
    code = certificates.of_seat(workshop.id, ana.id).code
    assert f"http://aula.test/certificates/verify/{code}" in page


def test_without_settings_the_certificate_names_the_site(
    make_held_workshop, make_user, client, login
):
    # With nothing configured the programme and the signing organisation are the site's name.
    workshop, (ana,) = held(make_held_workshop, [make_user()], ["late"])
    login(ana)
    page = client.get(f"/workshops/{workshop.id}/certificate").get_data(as_text=True)
    assert 'class="certificate-site">Aula<' in page
    assert 'class="signature-organisation">Aula<' in page
    assert "signature-name" not in page


def test_the_pdf_says_what_the_page_says_in_the_holders_language(
    needs_pdf, read_pdf, programme_app, make_held_workshop, make_user, login
):
    # A learner downloads their own certificate as a PDF, in their language.
    client = programme_app.test_client()
    workshop, (ana,) = held(
        make_held_workshop, [make_user(name="Ana Pérez", locale="es")], ["present"]
    )
    login(ana, client=client)
    response = client.get(f"/workshops/{workshop.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-workshop-{workshop.id}-2026-03-17.pdf"'
    )
    (text,) = read_pdf(response.get_data())
    code = certificates.of_seat(workshop.id, ana.id).code
    for fact in (
        "Certificado de asistencia",
        "Ana Pérez",
        "Smartpeme Pontevedra 2026",
        "1,5 horas",
        "martes, 17 de marzo de 2026",
        "Uxía Fernández",
        code,
    ):
        assert fact in text, fact
    assert text.count("12:00") == 1


@pytest.mark.parametrize(("mark", "status"), [("present", 200), ("absent", 403), (None, 403)])
def test_the_pdf_only_for_who_came(
    needs_pdf, read_pdf, mark, status, make_held_workshop, make_user, client, login
):
    # As for the page: 403 to a seat not attended, 404 to someone with no seat.
    workshop, (ana,) = held(make_held_workshop, [make_user()], [mark])
    login(ana)
    assert client.get(f"/workshops/{workshop.id}/certificate.pdf").status_code == status
    login(make_user())
    assert client.get(f"/workshops/{workshop.id}/certificate.pdf").status_code == 404


def test_a_workshops_certificates_one_page_per_person_who_came(
    needs_pdf, read_pdf, make_held_workshop, make_user, client, login
):
    # The trainer downloads everyone who came, by name, each in their own language; the
    # absent and the waiting are left out.
    people = [
        make_user(name="Brais Otero", locale="gl"),
        make_user(name="Ana Pérez", locale="es"),
        make_user(name="Carme Lois", locale="ca"),
    ]
    workshop, _ = held(make_held_workshop, people, ["late", "present", "absent"])
    login(workshop.trainer)
    response = client.get(f"/workshops/{workshop.id}/certificates.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    ana_page, brais_page = read_pdf(response.get_data())
    assert "Ana Pérez" in ana_page and "Certificado de asistencia" in ana_page
    assert "Brais Otero" in brais_page and "Certificado de asistencia" in brais_page
    assert "martes" in ana_page and "martes" in brais_page  # gl and es agree on this one
    assert "Certificat" not in ana_page + brais_page


def test_a_workshops_certificates_belong_to_its_managers(
    needs_pdf, read_pdf, make_held_workshop, make_user, client, login
):
    # A learner (even one who came) gets 403; a coordinator may; nobody came: back to the sheet.
    workshop, (ana,) = held(make_held_workshop, [make_user()], ["present"])
    login(ana)
    assert client.get(f"/workshops/{workshop.id}/certificates.pdf").status_code == 403
    login(make_user("coordinator"))
    assert client.get(f"/workshops/{workshop.id}/certificates.pdf").status_code == 200
    empty, _ = held(make_held_workshop, [make_user()], [None])
    login(empty.trainer)
    response = client.get(f"/workshops/{empty.id}/certificates.pdf", follow_redirects=True)
    assert "Nobody has attended this workshop yet" in response.get_data(as_text=True)


# --- verification ----------------------------------------------------------------------------


def test_anyone_verifies_a_code_and_sees_name_workshop_and_date(
    make_held_workshop, make_user, client
):
    # Public, signed out: a valid code shows whose certificate, of what, when.
    workshop, (ana,) = held(make_held_workshop, [make_user(name="Ana Pérez")], ["present"])
    code = certificates.of_seat(workshop.id, ana.id).code
    response = client.get(f"/certificates/verify/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This certificate is valid." in page
    assert "Ana Pérez" in page and "Footer" in page and "Tuesday, March 17, 2026" in page
    assert response.headers["X-Robots-Tag"] == "noindex"
    # Typed by hand: lower case, spaces around; or through the form.
    assert client.get(f"/certificates/verify/ {code.lower()} ").status_code == 200
    typed = client.get("/certificates/verify", query_string={"code": code})
    assert typed.status_code == 303 and typed.headers["Location"].endswith(code)


def test_a_code_is_unguessable_and_lives_with_the_attendance(
    make_held_workshop, make_user, make_app, client
):
    # A code changed in one character, another seat's id with this seat's HMAC, another key,
    # or an attendance corrected to absent: no certificate (404, never a 5xx).
    workshop, (ana, brais) = held(make_held_workshop, [make_user(), make_user()], ["present"] * 2)
    code = certificates.of_seat(workshop.id, ana.id).code
    other = certificates.of_seat(workshop.id, brais.id).code
    _seat, mac = code.split("-", 1)
    assert mac != other.split("-", 1)[1]
    assert len(mac.replace("-", "")) == 16  # 80 bits of base32
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    borrowed = f"{other.split('-', 1)[0]}-{mac}"
    for bad in (flipped, borrowed, "1", "x-y", "99999999999999999999-AAAA-AAAA-AAAA-AAAA", "%00"):
        assert client.get(f"/certificates/verify/{bad}").status_code == 404, bad
    with make_app(CERTIFICATE_SECRET="another key").test_request_context():
        assert certificates.code_of(certificates.of_seat(workshop.id, ana.id).enrolment) != code
    operations.mark(workshop.id, ana.id, Attendance.absent, by=workshop.trainer)
    db.session.commit()
    response = client.get(f"/certificates/verify/{code}")
    assert response.status_code == 404
    assert "No valid certificate has this code" in response.get_data(as_text=True)
