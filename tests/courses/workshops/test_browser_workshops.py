"""Enrol until full, wait, and see the freed seat go to the first person waiting, in a real
browser against a real server, in English, Spanish and Catalan."""

import pytest
from playwright.sync_api import expect

from courses.workshops import operations
from lms.db import db
from tests.support import sign_in

pytestmark = pytest.mark.browser

TEXTS = {
    "en": {
        "switch": "English",
        "enrol": "Enrol",
        "join": "Join the waiting list",
        "give_up": "Give up my seat",
        "confirm": "Yes, give up my seat",
        "enrolled": "You are enrolled.",
        "first_waiting": "You are number 1 on the waiting list",
        "full": "Full: join the waiting list",
        "sign_out": "Sign out",
        "roster": "Roster",
        "waiting_list": "Waiting list",
    },
    "es": {
        "switch": "Español",
        "enrol": "Inscribirme",
        "join": "Apuntarme a la lista de espera",
        "give_up": "Dejar mi plaza",
        "confirm": "Sí, dejar mi plaza",
        "enrolled": "Estás inscrito/a.",
        "first_waiting": "Eres el número 1 de la lista de espera",
        "full": "Completo: apúntate a la lista de espera",
        "sign_out": "Cerrar sesión",
        "roster": "Participantes",
        "waiting_list": "Lista de espera",
    },
    "ca": {
        "switch": "Català",
        "enrol": "Inscriure'm",
        "join": "Apuntar-me a la llista d'espera",
        "give_up": "Deixar la meva plaça",
        "confirm": "Sí, deixa la meva plaça",
        "enrolled": "Hi estàs inscrit/a.",
        "first_waiting": "Ets el número 1 de la llista d'espera",
        "full": "Complet: apunta't a la llista d'espera",
        "sign_out": "Tanca la sessió",
        "roster": "Participants",
        "waiting_list": "Llista d'espera",
    },
}


@pytest.mark.parametrize("lang", ["en", "es", "ca"])
def test_a_freed_seat_goes_to_the_first_waiting(
    app, live_server, page, make_workshop, make_user, lang
):
    # Two seats: two learners enrol, a third waits; one gives up and the third holds the seat;
    # the trainer's roster shows who is seated and who waits, in order.
    t = TEXTS[lang]
    workshop = make_workshop(capacity=2, title="Promueve tu empresa en Instagram")
    ana, ben, cai, dia, eva = (make_user(name=n) for n in ("Ana", "Ben", "Cai", "Día", "Eva"))
    base = live_server()
    here = f"/workshops/{workshop.id}"
    url = base + here

    def sign_out():
        page.get_by_role("button", name=t["sign_out"]).click()

    page.goto(base + "/")
    page.get_by_role("button", name=t["switch"]).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)

    for learner in (ana, ben):
        sign_in(page, base, learner, next=here)
        page.get_by_role("button", name=t["enrol"], exact=True).click()
        expect(page.locator("#my-status")).to_have_text(t["enrolled"])
        sign_out()

    sign_in(page, base, cai, next=here)
    page.goto(base + "/")
    card = page.locator(f".workshop-card[data-workshop-id='{workshop.id}']")
    expect(card).to_contain_text(t["full"])
    page.goto(url)
    page.get_by_role("button", name=t["join"]).click()
    expect(page.locator("#my-status")).to_contain_text(t["first_waiting"])
    sign_out()
    for late in (dia, eva):  # two more wait behind Cai
        operations.enrol(workshop.id, late)
    db.session.commit()

    sign_in(page, base, ana, next=here)
    page.get_by_role("link", name=t["give_up"]).click()  # asks first
    page.get_by_role("button", name=t["confirm"]).click()
    sign_out()

    sign_in(page, base, cai, next=here)
    expect(page.locator("#my-status")).to_have_text(t["enrolled"])
    sign_out()

    sign_in(page, base, workshop.trainer, next=here)
    page.get_by_role("link", name=t["roster"], exact=True).click()
    expect(page.locator("#enrolled tbody tr")).to_have_count(2)
    expect(page.locator("#enrolled")).to_contain_text("Ben")
    expect(page.locator("#enrolled")).to_contain_text("Cai")
    expect(page.get_by_role("heading", name=t["waiting_list"])).to_be_visible()
    expect(page.locator("#waitlist tbody td:nth-child(1)")).to_have_text(["1", "2"])
    expect(page.locator("#waitlist tbody td:nth-child(2)")).to_have_text(["Día", "Eva"])
