"""The advice desk's main path in a real browser: a learner fills in the intake form, is
routed, books a time; the advisor finds the request on their desk, writes a private note and
refers it to a second topic, where the learner books again; in Spanish, the same form speaks
Spanish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.notify_fixtures import outbox
from tests.support import follow_nav, sign_in

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.advice_fixtures"]  # desk


def test_a_learner_asks_is_routed_books_and_the_advisor_sees_it(
    app, live_server, page, browser, desk, make_user
):
    # Fill in the form, be routed to the topic's advisor, book the first free time; the
    # advisor's desk lists the request with that time, and their note stays theirs.
    _topic, (advisor,) = desk(name="Comercio electrónico")
    _second_topic, (second,) = desk(name="Marketing digital")
    learner = make_user(name="Ana Barreiro")
    base = live_server()

    sign_in(page, base, learner)
    page.get_by_role("link", name="Advice", exact=True).click()
    expect(page.get_by_role("heading", name="Advice", exact=True)).to_be_visible()
    page.get_by_label("Topic").select_option(label="Comercio electrónico")
    page.get_by_label("What do you need?").fill("Quiero vender pan por encargo en internet.")
    page.get_by_label("How urgent is it?").select_option("high")
    page.get_by_label("Or the name of a new organisation").fill("Panadería Barreiro")
    page.get_by_label("I agree that this request is counted").check()
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text(f"Your request has gone to {advisor.name}.")).to_be_visible()
    expect(page.locator("#case-advisor")).to_have_text(advisor.name)

    first = page.locator("#slots button").first
    when = first.inner_text()
    first.click()
    expect(page.get_by_text("Your consultation is booked.")).to_be_visible()
    expect(page.locator(".consultations li").first).to_contain_text(when)
    expect(page.locator("#slots")).to_have_count(0)

    other = browser.new_context(locale="en-GB", timezone_id="Europe/Madrid").new_page()
    sign_in(other, base, advisor)
    follow_nav(other, "Advisor's desk")
    row = other.locator("table.cases tbody tr").first
    expect(row).to_contain_text("Comercio electrónico")
    expect(row).to_contain_text(when)
    row.get_by_role("link", name="Comercio electrónico").click()
    other.get_by_label("New note").fill("Tiene web; le falta la pasarela de pago.")
    other.get_by_role("button", name="Save the note").click()
    expect(other.locator(".notes")).to_contain_text("le falta la pasarela")

    page.reload()
    expect(page.get_by_text("le falta la pasarela")).to_have_count(0)

    # The advisor refers the case to a second topic: its advisor gets a new request linked to
    # the first, and the learner books again from "My requests"; each advisor is invited.
    other.get_by_label("Topic").select_option(label="Marketing digital")
    other.get_by_label("What the other advisor should know").fill("Necesita redes sociales.")
    other.get_by_role("button", name="Refer").click()
    expect(other.get_by_text("The request has been referred to another topic.")).to_be_visible()
    page.goto(f"{base}/advice/mine")
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    page.locator("table.cases").get_by_role("link", name="Marketing digital").click()
    expect(page.locator("#case-advisor")).to_have_text(second.name)
    expect(page.get_by_role("link", name="Comercio electrónico")).to_be_visible()  # from
    page.locator("#slots button").first.click()
    expect(page.get_by_text("Your consultation is booked.")).to_be_visible()
    invited = [m.recipient_id for m in outbox() if m.kind == "advice.booked"]
    assert sorted(invited) == sorted([advisor.id, second.id])
    other.context.close()


def test_the_intake_form_speaks_spanish_and_refuses_without_consent(
    app, live_server, page, desk, make_user
):
    # In Spanish, a request without consent comes back with the reason in Spanish.
    desk(name="Comercio electrónico")
    learner = make_user(name="Brais Otero", locale="es")
    base = live_server()
    sign_in(page, base, learner)
    page.goto(f"{base}/advice")
    page.get_by_label("Tema").select_option(label="Comercio electrónico")
    page.get_by_label("¿Qué necesitas?").fill("Vender en línea")
    page.get_by_role("button", name="Enviar la solicitud").click()
    expect(page.get_by_text("Acepta el uso de tu solicitud")).to_be_visible()
