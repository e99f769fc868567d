"""A newcomer's first minutes, in a real browser against a real server."""

import re

import pytest
from playwright.sync_api import expect

from lms.db import db

pytestmark = pytest.mark.browser


def test_sign_up_sign_in_switch_language_and_see_the_demo(app, live_server, page):
    # A visitor sees the demo week, signs up, signs out and in again, and reads it in Spanish.
    from courses.demo import load_demo

    load_demo()
    db.session.commit()
    base = live_server()

    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Upcoming workshops")).to_be_visible()
    expect(page.locator(".workshop-card")).to_have_count(4)
    first = page.locator(".workshop-card").first
    expect(first).to_contain_text("Cómo mejorar el footer de tu web")
    expect(first).to_contain_text("Full: join the waiting list")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Name").fill("Rosa Nova")
    page.get_by_label("E-mail").fill("rosa@aula.example")
    page.get_by_label("Password").fill("a good password")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome, Rosa Nova.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail").fill("rosa@aula.example")
    page.get_by_label("Password").fill("a good password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Rosa Nova")).to_be_visible()

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Próximos talleres")).to_be_visible()
    expect(page.locator(".workshop-card").first).to_contain_text(
        "Completo: apúntate a la lista de espera"
    )
    page.get_by_role("link", name="Rosa Nova").click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.locator("#locale")).to_have_value("es")
    page.goto(base + "/")
    page.screenshot(path="/tmp/aula-catalogue.png", full_page=True)


@pytest.mark.parametrize("locale", ["gl-ES", "ca-ES", "es-ES", "en-GB"])
def test_the_header_fits_a_desk_on_one_line_and_a_phone_without_scrolling(
    app, live_server, browser, make_user, locale
):
    # A site administrator has every link there is; at 1280 px her header is one line, at
    # 360 px nothing sticks out sideways; staff pages are one "Manage" menu away, by keyboard.
    from tests.support import sign_in

    admin = make_user("coordinator", admin=True, name="Administradora Xeral")
    db.session.commit()
    base = live_server()
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, base, admin)
    boxes = page.locator(".header-row > *, .main-nav > ul > li").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom])"
    )
    one_line = max(top for top, _ in boxes) < min(bottom for _, bottom in boxes)
    assert one_line, boxes
    menu = page.locator("details.nav-menu")
    expect(menu.locator("a")).to_have_count(8)
    expect(menu.locator("a").first).not_to_be_visible()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu.locator("a").first).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 360, wide
    context.close()
