"""The programme routes of the API: a site administrator makes programmes; she and a
programme's coordinator give staff roles within it, and nobody else does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.db import db


@pytest.fixture
def world(make_programme, make_user):
    """Programme A and B, each with its coordinator; a trainer and a learner of A; an admin."""
    a, b = make_programme(name="Smartpeme", locale="gl"), make_programme(name="Bootcamp ESS")
    return (
        a,
        b,
        {
            "admin": make_user("coordinator", programme=a, admin=True),
            "coord_a": make_user("coordinator", programme=a),
            "coord_b": make_user("coordinator", programme=b),
            "trainer": make_user("trainer", programme=a),
            "learner": make_user("learner"),
        },
    )


def _programmes() -> int:
    from lms.programmes.models import Programme

    return db.session.scalar(sa.select(sa.func.count()).select_from(Programme))


def test_only_a_site_administrator_makes_a_programme(app, world, client, api_token):
    # POST /api/v1/programmes: 201 with the programme for a site administrator; 403 for every
    # coordinator, trainer and learner, 401 for a visitor; nothing is made for them.
    _, _, people = world
    body = {"name": "Lleida Emprèn", "locale": "ca", "timezone": "Europe/Madrid"}
    before = _programmes()
    for who in ("coord_a", "coord_b", "trainer", "learner"):
        answer = client.post("/api/v1/programmes", json=body, headers=api_token(people[who]))
        assert answer.status_code == 403, who
        assert answer.json["error"]["code"]
    assert client.post("/api/v1/programmes", json=body).status_code == 401
    assert _programmes() == before
    answer = client.post("/api/v1/programmes", json=body, headers=api_token(people["admin"]))
    assert answer.status_code == 201, answer.json
    assert answer.json["name"] == "Lleida Emprèn"
    assert answer.json["locale"] == "ca"
    assert answer.json["timezone"] == "Europe/Madrid"
    assert answer.json["slug"] == "lleida-empren"
    assert _programmes() == before + 1
    # The same address again is a conflict; a language Aula lacks is refused.
    again = client.post("/api/v1/programmes", json=body, headers=api_token(people["admin"]))
    assert again.status_code == 409
    odd = client.post(
        "/api/v1/programmes",
        json={**body, "name": "Otro", "locale": "xx"},
        headers=api_token(people["admin"]),
    )
    assert odd.status_code == 422
    assert _programmes() == before + 1


def test_the_admin_and_the_programmes_coordinator_give_staff_roles(
    app, world, client, api_token, make_user
):
    # PUT /programmes/{id}/staff/{user_id}: the site administrator and that programme's
    # coordinator give a role within it (200, the person's roles there); another programme's
    # coordinator, a trainer and a learner are refused; a visitor gets 401.
    from lms.programmes.queries import roles_of

    a, _, people = world
    newcomer = make_user("learner")
    url = f"/api/v1/programmes/{a.id}/staff/{newcomer.id}"
    for who in ("coord_b", "trainer", "learner"):
        answer = client.put(url, json={"role": "trainer"}, headers=api_token(people[who]))
        assert answer.status_code in (403, 404), who
    assert client.put(url, json={"role": "trainer"}).status_code == 401
    assert roles_of(newcomer.id) == {}
    answer = client.put(url, json={"role": "trainer"}, headers=api_token(people["coord_a"]))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"programme_id": a.id, "user_id": newcomer.id, "roles": ["trainer"]}
    answer = client.put(url, json={"role": "advisor"}, headers=api_token(people["admin"]))
    assert answer.json["roles"] == ["advisor", "trainer"]
    # Repeating it changes nothing; in programme B she is nobody.
    answer = client.put(url, json={"role": "advisor"}, headers=api_token(people["admin"]))
    assert answer.json["roles"] == ["advisor", "trainer"]
    assert set(roles_of(newcomer.id)) == {a.id}
    # Only the three staff roles; no such person or programme is a 404.
    bad = client.put(url, json={"role": "learner"}, headers=api_token(people["coord_a"]))
    assert bad.status_code == 422
    gone = client.put(
        f"/api/v1/programmes/{a.id}/staff/999999",
        json={"role": "trainer"},
        headers=api_token(people["coord_a"]),
    )
    assert gone.status_code == 404
    nowhere = client.put(
        f"/api/v1/programmes/999999/staff/{newcomer.id}",
        json={"role": "trainer"},
        headers=api_token(people["admin"]),
    )
    assert nowhere.status_code == 404
