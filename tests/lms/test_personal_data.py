"""A person downloads everything Aula holds about them (lms.accounts.personal), and nobody
else's; secrets and an advisor's private notes stay out."""

import json

from lms.db import db


def _data_of(person, make_workshop, make_entity, make_calendar_token, entity="Cooperativa Sol"):
    from courses.workshops import operations

    workshop = make_workshop(title="Tienda online")
    operations.enrol(workshop.id, db.session.merge(person))
    db.session.commit()
    make_entity(name=entity, members=[person])
    make_calendar_token(person)
    return workshop


def test_the_export_holds_each_features_part_and_nothing_of_others(
    client, login, make_user, make_workshop, make_entity, make_calendar_token, api_token
):
    # Account, places, entities, messages, calendar: every feature's section, as stored.
    ana, bea = make_user(name="Ana", locale="es"), make_user(name="Bea")
    workshop = _data_of(ana, make_workshop, make_entity, make_calendar_token)
    _data_of(bea, make_workshop, make_entity, make_calendar_token, entity="Cooperativa Luna")
    login(ana)
    response = client.get("/profile/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["account"]["email"] == ana.email
    assert [w["workshop_id"] for w in data["workshops"]] == [workshop.id]
    assert data["entities"] == [{"entity": "Cooperativa Sol", "role": "referent"}]
    assert {m["kind"] for m in data["messages"]} >= {"workshop.enrolled"}
    assert data["calendar"]["calendar_address_since"]
    assert set(data) >= {"attendance", "advice", "left_out"}
    text = json.dumps(data)
    assert bea.email not in text and "Luna" not in text
    assert "password_hash" not in text and ana.password_hash not in text
    # The API gives the same, to the token's owner.
    api = client.get("/api/v1/me/data", headers=api_token(ana)).get_json()
    assert api["workshops"] == data["workshops"]


def test_the_page_shows_it_in_the_readers_language(client, login, make_user, make_workshop,
                                                    make_entity, make_calendar_token):  # fmt: skip
    ana = make_user(name="Ana", locale="ca")
    _data_of(ana, make_workshop, make_entity, make_calendar_token)
    login(ana)
    page = client.get("/profile/data").get_data(as_text=True)
    assert "Les teves dades" in page and "Tienda online" in page and "Cooperativa Sol" in page
    assert "/profile/data.json" in page


def test_only_a_signed_in_person_has_data_to_download(client):
    assert client.get("/profile/data.json").status_code in (302, 401)
    assert client.get("/api/v1/me/data").status_code == 401
