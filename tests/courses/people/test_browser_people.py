"""A coordinator's people pages in a real browser, in Galician, Spanish, Catalan and
English: a small file imported (checked, then confirmed), one of the people enrolled in a
workshop on their behalf, then moved to another date, and an account made for one more."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.people_fixtures import csv_file
from tests.support import follow_nav, sign_in

pytestmark = pytest.mark.browser

FILE = csv_file(
    "brais,brais@aula.test,Brais,Otero Lema,gl,Europe/Madrid,",
    "carme,carme@aula.test,Carme,Vidal,es,,",
)

WORDS = {
    "gl": {
        "new": "Conta nova",
        "make": "Crear a conta",
        "people": "Persoas",
        "import": "Importar desde un ficheiro",
        "check": "Comprobar o ficheiro",
        "counted": "2 contas novas",
        "confirm": "Importar estas persoas",
        "imported": "Importado: 2 contas novas, 0 actualizadas.",
        "search": "Buscar",
        "enrol": "Inscribir",
        "enrolled": "Brais Otero Lema está inscrito/a.",
        "move": "Pasar a esa data",
        "moved": "Brais Otero Lema pasou á outra data.",
        "bad": "non está en UTF-8",
    },
    "es": {
        "new": "Cuenta nueva",
        "make": "Crear la cuenta",
        "people": "Personas",
        "import": "Importar desde un archivo",
        "check": "Comprobar el archivo",
        "counted": "2 cuentas nuevas",
        "confirm": "Importar estas personas",
        "imported": "Importado: 2 cuentas nuevas, 0 actualizadas.",
        "search": "Buscar",
        "enrol": "Inscribir",
        "enrolled": "Brais Otero Lema está inscrito.",
        "move": "Pasar a esa fecha",
        "moved": "Brais Otero Lema ha pasado a la otra fecha.",
        "bad": "no está en UTF-8",
    },
    "ca": {
        "new": "Compte nou",
        "make": "Crea el compte",
        "people": "Persones",
        "import": "Importa des d'un fitxer",
        "check": "Comprova el fitxer",
        "counted": "2 comptes nous",
        "confirm": "Importa aquestes persones",
        "imported": "Importat: 2 comptes nous, 0 actualitzats.",
        "search": "Cerca",
        "enrol": "Inscriu",
        "enrolled": "Brais Otero Lema està inscrit.",
        "move": "Passa a aquesta data",
        "moved": "Brais Otero Lema ha passat a l'altra data.",
        "bad": "no és en UTF-8",
    },
    "en": {
        "new": "New account",
        "make": "Make the account",
        "people": "People",
        "import": "Import from a file",
        "check": "Check the file",
        "counted": "2 new accounts",
        "confirm": "Import these people",
        "imported": "Imported: 2 new accounts, 0 updated.",
        "search": "Search",
        "enrol": "Enrol them",
        "enrolled": "Brais Otero Lema is enrolled.",
        "move": "Move to that date",
        "moved": "Brais Otero Lema has moved to the other date.",
        "bad": "not in UTF-8",
    },
}


@pytest.mark.parametrize("locale", ["gl", "es", "ca", "en"])
def test_a_coordinator_imports_a_file_and_enrols_and_moves_a_person(
    app, live_server, page, make_user, make_workshop, locale
):
    # In the coordinator's language: a Latin-1 file is refused with the reason; a good one
    # is checked (every row counted), confirmed, and its people listed; one of them is
    # enrolled in a workshop on their behalf, then moved to another date of its topic; an
    # account is made for one more person.
    words = WORDS[locale]
    coordinator = make_user("coordinator", name="Rosa Coord", locale=locale)
    first = make_workshop(title="Tenda en liña", topic="Web", capacity=5)
    make_workshop(title="Tenda en liña", topic="Web", capacity=5)
    base = live_server()
    sign_in(page, base, coordinator)

    follow_nav(page, words["people"], exact=True)
    page.get_by_role("link", name=words["import"]).click()
    page.locator("#file").set_input_files(
        {"name": "latin.csv", "mimeType": "text/csv",
         "buffer": csv_file("x,xe@aula.test,Xosé,Núñez,,,", encoding="latin-1")}
    )  # fmt: skip
    page.get_by_role("button", name=words["check"]).click()
    expect(page.locator("#import-error")).to_contain_text(words["bad"])

    page.locator("#file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": FILE}
    )
    page.get_by_role("button", name=words["check"]).click()
    expect(page.locator("#import-counts")).to_contain_text(words["counted"])
    expect(page.locator("table.import-rows")).to_contain_text("Brais Otero Lema")
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_text(words["imported"])).to_be_visible()

    page.locator("#q").fill("otero")
    page.get_by_role("button", name=words["search"], exact=True).click()
    page.get_by_role("link", name="Brais Otero Lema").click()
    page.locator("#enrol-workshop").select_option(str(first.id))
    page.get_by_role("button", name=words["enrol"], exact=True).click()
    expect(page.get_by_text(words["enrolled"])).to_be_visible()
    page.get_by_role("button", name=words["move"]).click()
    expect(page.get_by_text(words["moved"])).to_be_visible()
    expect(page.locator("table.enrolments tbody tr")).to_have_count(2)

    # and one more person, who phoned in, gets an account from the people page
    follow_nav(page, words["people"], exact=True)
    page.get_by_role("link", name=words["new"]).click()
    page.locator("#name").fill("Uxía Fariña")
    page.locator("#email").fill("uxia@aula.test")
    page.get_by_role("button", name=words["make"]).click()
    expect(page.locator("h1")).to_have_text("Uxía Fariña")
