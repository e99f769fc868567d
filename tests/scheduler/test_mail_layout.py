"""Every HTML e-mail in the one layout (templates/lms/mail/layout.html): signed with the
programme's name (the site's for accounts), in the reader's language, and, opened in a real
browser at a phone's width and a desk's, readable without scrolling sideways and free of the
WCAG 2.1 A/AA violations axe-core finds (a mail client shows HTML as a browser does)."""

from __future__ import annotations

from datetime import date

import pytest

from courses.cohorts import operations as cohorts
from courses.entities import operations as entities
from courses.people import operations as people
from courses.workshops import operations as workshops
from lms.accounts.mail import confirm_message
from lms.accounts.models import Role
from lms.db import db
from lms.notifications.operations import outgoing
from tests.cohort_fixtures import STEPS, ZONE
from tests.lms.test_accessibility import AXE, WCAG
from tests.notify_fixtures import outbox

PROGRAMME = "Smartpeme Pontevedra"
BOOTCAMP = "Oficina ESS · Bootcamp"


@pytest.fixture
def mails(app, make_user, make_workshop, make_programme) -> dict[str, tuple[str, str, str]]:
    """kind → (html, language, the name it must be signed with), one of each family."""
    smartpeme = make_programme(name=PROGRAMME, locale="gl")
    bootcamp = make_programme(name=BOOTCAMP, locale="ca")
    learner = make_user(locale="gl", name="Uxía")
    workshop = make_workshop(programme_id=smartpeme.id, title="Redes sociais para o comercio")
    workshops.enrol(workshop.id, learner)
    itinerary = cohorts.create_itinerary(name="Itinerari", steps=STEPS, programme_id=bootcamp.id)
    office = make_user("coordinator", name="Oficina")
    cohort = cohorts.create_cohort(
        itinerary_id=itinerary.id, name="Cohort 2031", starts_on=date(2031, 3, 3), timezone=ZONE,
        referent=office,
    )  # fmt: skip
    entity = entities.create_entity(name="Coop Una", kind="cooperative", programme_id=bootcamp.id)
    entities.add_member(entity.id, make_user(locale="ca", name="Jordi"), "referent")
    cohorts.admit_entity(cohort.id, entity.id)
    confirm_message(make_user(locale="es", name="Ana"), "token")()
    people.create_account(
        office, email="nova@aula.test", name="Nova", role=Role.learner,
        locale="en",
    )  # fmt: skip
    db.session.commit()
    site = app.config["SITE_NAME"]
    signed = {"workshop": PROGRAMME, "cohort": BOOTCAMP, "account": site, "people": site}
    found = {}
    for message in outbox():
        family = message.kind.split(".")[0]
        if family in signed and family not in found:
            facts = message.payload.get("facts", {})
            locale = facts["to"]["locale"] if "to" in facts else ""
            found[family] = (outgoing(message).html, locale, signed[family])
    assert set(found) == set(signed), found.keys()
    return found


def test_every_mail_is_signed_with_its_programme_in_the_readers_language(mails):
    for kind, (html, locale, sender) in mails.items():
        head = html.split('class="sender"', 1)[1].split("</td>", 1)[0]
        assert head.endswith(f">{sender}"), (kind, head)
        if locale:
            assert f'<html lang="{locale}">' in html, kind


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_every_mail_reads_well_in_a_browser(mails, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    for kind, (html, _locale, sender) in mails.items():
        page.set_content(html)
        assert page.locator(".sender").inner_text() == sender, kind
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width, (kind, wide)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
                 .violations.map(v => v.id + ": " + v.help)""",
            WCAG,
        )
        assert violations == [], (kind, violations)
    page.close()
