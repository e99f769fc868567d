"""A trainer takes attendance, and a coordinator reads the report, in a real browser."""

import pytest
from playwright.sync_api import expect

from courses.workshops.models import Attendance
from lms.db import db
from tests.support import follow_nav, fresh, sign_in

pytestmark = pytest.mark.browser


def test_a_trainer_marks_the_roster(make_held_workshop, make_user, live_server, page):
    # From the workshop page to the sheet: mark all present, then one absent, and save.
    people = [make_user(name=n) for n in ("Ana Barreiro", "Brais Otero", "Carme Lois")]
    workshop, (ana, brais, carme), _ = make_held_workshop(seated=people)
    base = live_server()
    sign_in(page, base, workshop.trainer)

    page.goto(f"{base}/workshops/{workshop.id}")
    page.get_by_role("link", name="Attendance sheet").click()
    expect(page.get_by_role("heading", name="Attendance")).to_be_visible()
    page.get_by_role("button", name="Mark all present").click()
    expect(page.get_by_text("3 people marked present.")).to_be_visible()

    brais_row = page.get_by_role("group", name="Brais Otero")
    expect(brais_row.get_by_label("Present")).to_be_checked()
    brais_row.get_by_label("Absent").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    expect(page.get_by_role("group", name="Brais Otero").get_by_label("Absent")).to_be_checked()

    db.session.rollback()
    assert [fresh_seat(workshop, p) for p in (ana, brais, carme)] == [
        Attendance.present,
        Attendance.absent,
        Attendance.present,
    ]


def fresh_seat(workshop, person):
    from courses.attendance.queries import seat_of

    return seat_of(fresh(workshop).id, person.id).attendance


def test_the_demo_report_in_the_browser(app, live_server, page):
    # A coordinator opens the report of the demo programme: figures, two charts, the table.
    from courses.demo import COORDINATOR, load_demo
    from courses.demo import PASSWORD as DEMO_PASSWORD
    from lms.accounts.queries import user_by_email

    load_demo()
    db.session.commit()
    base = live_server()
    sign_in(page, base, user_by_email(COORDINATOR[0]), DEMO_PASSWORD)
    page.get_by_role("button", name="English").click()
    follow_nav(page, "Reports")
    expect(page.get_by_role("heading", name="Report", exact=True)).to_be_visible()
    expect(page.locator('[data-figure="workshops"]')).to_have_text("5")
    expect(page.get_by_role("img", name="Seats offered and taken, per week")).to_be_visible()
    expect(page.get_by_role("img", name="Attendance and no-shows, per week")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/tmp/aula-report.png", full_page=True)
