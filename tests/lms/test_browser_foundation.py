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
