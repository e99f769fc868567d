"""Programmes: two programmes on one database see nothing of each other (workshops, cohorts,
entities, topics, cases, reports), a site administrator sees both, new things go in a
programme their maker may manage, and a person may be staff in one and a learner in another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.db import db, utcnow
from tests.cohort_fixtures import make_entities


@pytest.fixture
def two(make_programme, make_user):
    """Programme A (Smartpeme) and B (Bootcamp ESS), each with its coordinator and trainer."""
    a, b = make_programme(name="Smartpeme", locale="gl"), make_programme(name="Bootcamp ESS")
    people = {
        "coord_a": make_user("coordinator", name="Xiana", programme=a),
        "trainer_a": make_user("trainer", name="Uxía", programme=a),
        "coord_b": make_user("coordinator", name="Montse", programme=b),
        "trainer_b": make_user("trainer", name="Jordi", programme=b),
    }
    return a, b, people


def test_each_coordinator_lists_only_her_programmes_things(
    app, two, make_workshop, make_cohort, make_itinerary, api_token, client, login
):
    # Entities, itineraries and cohorts of one programme are in no list of the other's
    # coordinator, on pages and in the API; a site administrator sees both.
    from courses.advice import operations as advice
    from courses.entities import operations as entities

    a, b, people = two
    for programme, name in ((a, "Panadería Barreiro"), (b, "Cooperativa La Terrassa")):
        entities.create_entity(name=name, kind="cooperative", programme_id=programme.id)
        advice.create_topic(f"Tenda en liña {programme.id}", programme_id=programme.id)
    db.session.commit()
    make_cohort(
        name="Cohorte A", itinerary=_itinerary(make_itinerary, a), referent=people["coord_a"]
    )
    make_cohort(
        name="Cohort B", itinerary=_itinerary(make_itinerary, b), referent=people["coord_b"]
    )
    headers = api_token(people["coord_a"])
    names = [e["name"] for e in client.get("/api/v1/entities", headers=headers).get_json()]
    assert names == ["Panadería Barreiro"]
    itineraries = client.get("/api/v1/itineraries", headers=headers).get_json()
    assert {i["programme_id"] for i in itineraries} == {a.id}
    login(people["coord_a"])
    page = client.get("/entities").get_data(as_text=True)
    assert "Panadería Barreiro" in page and "La Terrassa" not in page
    cohorts = client.get("/cohorts").get_data(as_text=True)
    assert "Cohorte A" in cohorts and "Cohort B" not in cohorts
    desk = client.get("/advice/coordination").get_data(as_text=True)
    assert f"Tenda en liña {a.id}" in desk and f"Tenda en liña {b.id}" not in desk


def _itinerary(make_itinerary, programme):
    from courses.cohorts import operations

    itinerary = operations.create_itinerary(
        name=f"Itinerario {programme.name}",
        steps=[{"kind": "workshop", "title": "Inicio", "week": 1, "weekday": 2,
                "start_time": "10:00", "duration_minutes": 60}],
        programme_id=programme.id,
    )  # fmt: skip
    db.session.commit()
    return itinerary


def test_a_coordinator_of_another_programme_acts_on_nothing_of_this_one(
    app, two, make_workshop, make_cohort, make_itinerary, make_user, api_token, client
):
    # Every change over programme A's workshop, entity, itinerary, cohort and topic answers
    # 404 or 403 to B's coordinator, and nothing changes.
    from courses.advice import operations as advice

    a, _b, people = two
    workshop = make_workshop(trainer=people["trainer_a"], programme_id=a.id)
    [entity] = make_entities(make_user, 1, members=1, prefix="Entidade")
    entity.programme_id = a.id
    topic = advice.create_topic("Comercio", programme_id=a.id)
    db.session.commit()
    cohort = make_cohort(itinerary=_itinerary(make_itinerary, a), referent=people["coord_a"])
    headers = api_token(people["coord_b"])
    learner = make_user()
    calls = [
        ("PATCH", f"/api/v1/workshops/{workshop.id}", {"title": "Outro"}),
        ("POST", f"/api/v1/workshops/{workshop.id}/cancel", None),
        ("GET", f"/api/v1/workshops/{workshop.id}/roster", None),
        ("GET", f"/api/v1/entities/{entity.id}", None),
        ("POST", f"/api/v1/entities/{entity.id}/members", {"user_id": learner.id}),
        ("DELETE", f"/api/v1/entities/{entity.id}/members/{learner.id}", None),
        ("PUT", f"/api/v1/entities/{entity.id}/diagnosis",
         {"readiness": 3, "market": 3, "capacity": 3}),
        ("GET", f"/api/v1/itineraries/{cohort.itinerary_id}", None),
        ("POST", "/api/v1/cohorts", {"itinerary_id": cohort.itinerary_id, "name": "Copia",
                                     "starts_on": "2030-01-07", "timezone": "Europe/Madrid"}),
        ("GET", f"/api/v1/cohorts/{cohort.id}", None),
        ("POST", f"/api/v1/cohorts/{cohort.id}/entities", {"entity_id": entity.id}),
        ("PATCH", f"/api/v1/advice/topics/{topic.id}", {"active": False}),
        ("PUT", f"/api/v1/advice/entities/{entity.id}/need", {"level": "first"}),
        ("POST", "/api/v1/workshops", {"title": "Noutro", "programme_id": a.id,
                                       "starts_at": "2030-01-07T10:00:00+01:00",
                                       "ends_at": "2030-01-07T11:00:00+01:00"}),
        ("POST", "/api/v1/entities", {"name": "Nova", "kind": "cooperative",
                                      "programme_id": a.id}),
    ]  # fmt: skip
    for method, path, body in calls:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code in (403, 404), (method, path, response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(type(workshop), workshop.id).title == workshop.title
    assert db.session.get(type(topic), topic.id).active
    assert db.session.get(type(cohort), cohort.id).admitted_count == 0
    assert not db.session.get(type(entity), entity.id).has_member(learner)


def test_the_report_counts_only_her_programmes_workshops(
    app, two, make_held_workshop, make_user, client, login
):
    # A's report shows A's seats and none of B's; a site administrator's shows both.
    a, b, people = two
    start = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    make_held_workshop(seated=3, starts_at=start, trainer=people["trainer_a"], programme_id=a.id)
    make_held_workshop(seated=5, starts_at=start, trainer=people["trainer_b"], programme_id=b.id)
    day = start.date().isoformat()

    def seats(person) -> str:
        client.post("/sign-out")
        login(person)
        page = client.get(f"/reports?date_from={day}&date_to={day}").get_data(as_text=True)
        return re.search(r'data-figure="seats_taken">(\d+)<', page).group(1)

    assert seats(people["coord_a"]) == "3"
    assert seats(people["coord_b"]) == "5"
    assert seats(make_user("coordinator", admin=True)) == "8"


def test_a_new_thing_goes_in_a_programme_its_maker_may_manage(
    app, two, make_user, api_token, client
):
    # Without programme_id, a create goes in the maker's only programme; with several it is
    # a 422 asking which; naming one she is not staff of is a 403.
    from lms.programmes.operations import add_member

    a, b, people = two
    only = client.post(
        "/api/v1/entities",
        json={"name": "Coop A", "kind": "cooperative"},
        headers=api_token(people["coord_a"]),
    )
    assert only.status_code == 201 and only.get_json()["programme_id"] == a.id
    both = people["coord_a"]
    add_member(b.id, db.session.merge(both), "coordinator")
    db.session.commit()
    headers = api_token(both)
    asked = client.post("/api/v1/entities", json={"name": "Coop ?", "kind": "cooperative"},
                        headers=headers)  # fmt: skip
    assert asked.status_code == 422 and asked.get_json()["error"]["code"] == "programme_required"
    body = {"name": "Coop B", "kind": "cooperative", "programme_id": b.id}
    chosen = client.post("/api/v1/entities", headers=headers, json=body)
    assert chosen.status_code == 201 and chosen.get_json()["programme_id"] == b.id
    refused = client.post(
        "/api/v1/workshops",
        headers=api_token(people["trainer_b"]),
        json={"title": "Noutro", "programme_id": a.id, "timezone": "Europe/Madrid",
              "starts_at": "2030-01-07T10:00:00", "ends_at": "2030-01-07T11:00:00"},
    )  # fmt: skip
    assert refused.status_code == 403


def test_staff_in_one_programme_is_a_learner_in_another(app, two, make_workshop, api_token, client):
    # B's trainer takes a seat in A's public workshop like anyone; in B's she may not.
    a, b, people = two
    in_a = make_workshop(trainer=people["trainer_a"], programme_id=a.id)
    in_b = make_workshop(trainer=people["coord_b"], programme_id=b.id)
    headers = api_token(people["trainer_b"])
    assert client.post(f"/api/v1/workshops/{in_a.id}/enrolment", headers=headers).status_code == 201
    assert client.post(f"/api/v1/workshops/{in_b.id}/enrolment", headers=headers).status_code == 403


def test_the_programme_page_lists_its_workshops_and_signs_up_in_its_language(
    app, two, make_workshop, client
):
    # /programmes/<slug> and ?programme=<slug> show one programme's workshops; signing up from
    # its page joins it, in its language and zone.
    from lms.accounts.queries import user_by_email
    from lms.programmes.models import ProgrammeRole
    from lms.programmes.permissions import programmes_of

    a, b, people = two
    make_workshop(title="Obradoiro de web", trainer=people["trainer_a"], programme_id=a.id)
    make_workshop(title="Taller de cures", trainer=people["trainer_b"], programme_id=b.id)
    page = client.get(f"/programmes/{a.slug}").get_data(as_text=True)
    assert "Obradoiro de web" in page and "Taller de cures" not in page and a.name in page
    api = client.get(f"/api/v1/workshops?programme={b.slug}").get_json()
    assert [w["title"] for w in api] == ["Taller de cures"]
    assert client.get("/programmes/nowhere").status_code == 404
    signed = client.post(
        f"/sign-up?programme={a.slug}",
        data={"name": "Noa", "email": "noa@aula.test", "password": "unha frase longa abondo"},
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)
    assert signed.location.endswith(f"/programmes/{a.slug}"), signed.location
    db.session.rollback()  # see what the request committed
    noa = user_by_email("noa@aula.test")
    assert (noa.locale, noa.timezone) == ("gl", a.timezone)
    assert programmes_of(noa, (ProgrammeRole.learner,)) == {a.id}
