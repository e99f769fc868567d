"""The calendar feed, as a person finds it: from the profile to a calendar in their app."""

import pytest
from playwright.sync_api import expect

from lms.db import db
from tests.feeds_fixtures import icaljs
from tests.support import sign_in

pytestmark = pytest.mark.browser


def test_the_demo_learner_subscribes_from_the_profile(app, live_server, page):
    # Ana signs in, opens the subscribe page from her profile, gets and copies her address,
    # and the address answers a calendar with her two workshops.
    from courses.demo import PASSWORD, load_demo
    from lms.accounts.queries import user_by_email

    load_demo()
    user_by_email("ana@aula.example").locale = "en"  # the demo's Ana reads gl; this walk, en
    db.session.commit()
    base = live_server()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    sign_in(page, base, "ana@aula.example", PASSWORD)
    page.get_by_role("link", name="Ana Barreiro (Panadería Barreiro)").click()
    expect(page.get_by_role("heading", name="Calendar feed")).to_be_visible()
    page.get_by_role("link", name="Subscribe in your calendar").click()
    expect(page.get_by_text("Google may take up to a day")).to_be_visible()
    page.get_by_role("button", name="Get my calendar address").click()
    expect(page.get_by_text("Here is your new calendar address.")).to_be_visible()

    address = page.get_by_label("Your calendar address").input_value()
    assert address.startswith("webcal://127.0.0.1:") and len(address) < 256
    expect(page.get_by_role("link", name="Subscribe", exact=True)).to_have_attribute(
        "href", address
    )
    page.get_by_role("button", name="Copy address").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address

    feed = page.request.get("http://" + address.removeprefix("webcal://"))
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    summaries = {e["summary"] for e in icaljs(feed.body())["events"]}
    # Her two seats of the coming week (the demo's past weeks she attended are there too).
    assert {
        "Cómo mejorar el footer de tu web",
        "Marketing de contenidos: aprende a diferenciarte de la competencia",
    } <= summaries
    page.reload()
    expect(page.get_by_label("Your calendar address")).to_have_count(0)
