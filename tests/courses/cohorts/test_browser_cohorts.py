"""The office's main path in a real browser: an itinerary, a cohort, entities admitted (one
waiting), a mentor paired, the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from lms.db import db
from tests.cohort_fixtures import cohort_start_across_dst, make_entities
from tests.support import follow_nav, sign_in

pytestmark = pytest.mark.browser


def test_coordinator_builds_an_itinerary_opens_a_cohort_and_follows_it(
    app, live_server, page, make_user
):
    # A coordinator builds an itinerary, opens a cohort for two entities, admits three (one
    # waits), pairs a mentor and reads the dashboard.
    office = make_user("coordinator", name="Montse Oficina", email="montse@aula.test")
    make_entities(make_user, 3, prefix="Ateneu")
    make_user("trainer", name="Ramon Colectic", email="ramon@colectic.test")
    db.session.commit()
    starts_on, _ = cohort_start_across_dst()
    base = live_server()

    sign_in(page, base, office)
    follow_nav(page, "Cohorts")
    expect(page.get_by_role("heading", name="Cohorts", exact=True)).to_be_visible()

    page.get_by_role("link", name="New itinerary").click()
    page.get_by_label("Name").fill("Itinerari de digitalització")
    rows = [
        ("workshop", "Casos referents", "1", "Tuesday", "10:00", "90", "1", "1"),
        ("check-in", "Seguiment setmanal", "1", "Friday", "09:30", "30", "1", "3"),
        ("mutual-aid", "Grup d'ajuda mútua", "1", "Thursday", "18:00", "90", "4", "2"),
    ]
    for n, (kind, title, week, day, start, minutes, every, times) in enumerate(rows, 1):
        page.get_by_label(f"Kind {n}", exact=True).select_option(kind)
        page.get_by_label(f"Title {n}", exact=True).fill(title)
        page.get_by_label(f"Week {n}", exact=True).fill(week)
        page.get_by_label(f"Weekday {n}", exact=True).select_option(label=day)
        page.get_by_label(f"Start (HH:MM) {n}", exact=True).fill(start)
        page.get_by_label(f"Minutes {n}", exact=True).fill(minutes)
        page.get_by_label(f"Every … weeks {n}", exact=True).fill(every)
        page.get_by_label(f"Times {n}", exact=True).fill(times)
    page.get_by_role("button", name="Save the itinerary").click()
    expect(
        page.get_by_text("The itinerary Itinerari de digitalització has been saved.")
    ).to_be_visible()
    expect(page.locator(".steps li")).to_have_count(3)

    page.get_by_role("link", name="Open a cohort").click()
    page.get_by_label("Name").fill("Bootcamp tardor")
    page.get_by_label("Starts on").fill(starts_on.isoformat())
    page.get_by_label("Entities").fill("2")
    page.get_by_role("button", name="Open the cohort").click()
    expect(page.get_by_role("heading", name="Bootcamp tardor")).to_be_visible()
    expect(page.locator("#next-dates")).to_contain_text("Casos referents")

    for name in ("Ateneu 1", "Ateneu 2", "Ateneu 3"):
        page.get_by_label("Entity", exact=True).select_option(label=name)
        page.get_by_role("button", name="Admit the entity").click()
    expect(page.get_by_text("The cohort is full: Ateneu 3 is on the waiting list.")).to_be_visible()
    expect(page.locator("#admitted-count")).to_have_text("2 of 2 entities")
    expect(page.locator("#waiting-entities")).to_contain_text("Ateneu 3")
    expect(page.locator(".entity-row")).to_have_count(2)

    # Staff are offered once for every entity (a datalist); the field takes an address.
    expect(page.locator("#mentor-choices option[value='ramon@colectic.test']")).to_have_count(1)
    page.get_by_label("Mentor for Ateneu 1").fill("ramon@colectic.test")
    page.locator(".entity-row").first.get_by_role("button", name="Pair").click()
    expect(page.get_by_text("The mentor has been paired.")).to_be_visible()
    expect(page.locator(".entity-row").first).to_contain_text("Ramon Colectic")

    page.locator(".entity-row").first.get_by_role("button", name="Leaves").click()
    expect(page.get_by_text("The entity has left the cohort.")).to_be_visible()
    expect(page.locator(".entity-row")).to_have_count(2)
    expect(page.locator(".entity-row").last).to_contain_text("Ateneu 3")
    expect(page.locator("#waiting-entities")).to_contain_text("Nobody is waiting.")
    expect(page).to_have_url(re.compile(r"/cohorts/\d+$"))
    page.screenshot(path="/tmp/aula-cohort-dashboard.png", full_page=True)

    # The mentor is unpaired: the entity's meetings go back to the office.
    page.get_by_label("Mentor for Ateneu 2").fill("ramon@colectic.test")
    page.locator(".entity-row").first.get_by_role("button", name="Pair").click()
    page.locator(".entity-row").first.get_by_role("button", name="Unpair").click()
    expect(page.get_by_text("The entity has no mentor now")).to_be_visible()
    expect(page.locator(".entity-row").first).to_contain_text("No mentor yet")
    # On a phone the board scrolls inside its own region; the page does not.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
