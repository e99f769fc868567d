"""A certificate's PDF, downloaded in a real browser, is verified by its code in another."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from courses.attendance import operations
from courses.workshops.models import Attendance
from lms.db import db, utcnow
from tests.support import sign_in

pytest_plugins = ["tests.certs_fixtures"]

pytestmark = pytest.mark.browser


def test_a_pdf_certificate_is_verified_by_its_code(
    needs_pdf, read_pdf, make_held_workshop, make_user, live_server, page, browser
):
    # Ana downloads her certificate from the workshop's page; a stranger, signed out, opens
    # the address printed on it and sees her name, the workshop and the date.
    ana = make_user(name="Ana Barreiro")
    start = (utcnow() - timedelta(days=2)).replace(microsecond=0)
    workshop, _, _ = make_held_workshop(seated=[ana], starts_at=start, title="Footer")
    operations.mark(workshop.id, ana.id, Attendance.present, by=workshop.trainer)
    db.session.commit()
    base = live_server()
    sign_in(page, base, ana)
    page.goto(f"{base}/workshops/{workshop.id}")
    page.get_by_role("link", name="Certificate of attendance").click()
    expect(page.get_by_role("heading", name="Certificate of attendance")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    (text,) = read_pdf(Path(download.value.path()).read_bytes())
    assert "Ana Barreiro" in text
    address = re.search(rf"{re.escape(base)}/certificates/verify/[0-9A-Z-]+", text).group(0)

    stranger = browser.new_context(locale="en-GB", timezone_id="Europe/Madrid").new_page()
    stranger.goto(address)
    expect(stranger.get_by_text("This certificate is valid.")).to_be_visible()
    expect(stranger.locator(".verified-name")).to_have_text("Ana Barreiro")
    expect(stranger.locator(".verified-workshop")).to_have_text("Footer")
    day = start.astimezone(workshop.zone).date().isoformat()
    expect(stranger.locator(".verified-date time")).to_have_attribute("datetime", day)
    # A code changed by one character is refused.
    stranger.goto(address[:-1] + ("A" if address[-1] != "A" else "B"))
    expect(stranger.get_by_text("No valid certificate has this code")).to_be_visible()
    stranger.context.close()
