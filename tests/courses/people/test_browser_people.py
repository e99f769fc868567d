"""A coordinator's people pages in a real browser, in Galician and in Spanish: a small file
imported (checked, then confirmed), and one of the people enrolled in a workshop on their
behalf, then moved to another date."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.people_fixtures import csv_file
from tests.support import sign_in

pytestmark = pytest.mark.browser

FILE = csv_file(
    "brais,brais@aula.test,Brais,Otero Lema,gl,Europe/Madrid,",
    "carme,carme@aula.test,Carme,Vidal,es,,",
)

WORDS = {
    "gl": {
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
}


@pytest.mark.parametrize("locale", ["gl", "es"])
def test_a_coordinator_imports_a_file_and_enrols_and_moves_a_person(
    app, live_server, page, make_user, make_workshop, locale
):
    # In the coordinator's language: a Latin-1 file is refused with the reason; a good one
    # is checked (every row counted), confirmed, and its people listed; one of them is
    # enrolled in a workshop on their behalf, then moved to another date of its topic.
    words = WORDS[locale]
    coordinator = make_user("coordinator", name="Rosa Coord", locale=locale)
    first = make_workshop(title="Tenda en liña", topic="Web", capacity=5)
    make_workshop(title="Tenda en liña", topic="Web", capacity=5)
    base = live_server()
    sign_in(page, base, coordinator)

    page.get_by_role("link", name=words["people"], exact=True).click()
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
