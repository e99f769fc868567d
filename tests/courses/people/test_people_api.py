"""Enrolling someone on their behalf through the API: the workshop's trainer and the
programme's coordinator may, by the queue's rule, recorded as done by them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.db import db


@pytest.fixture
def world(make_programme, make_user, make_workshop):
    a, b = make_programme(name="Smartpeme"), make_programme(name="Bootcamp ESS")
    people = {
        "admin": make_user("coordinator", programme=b, admin=True),
        "coord_a": make_user("coordinator", programme=a),
        "coord_b": make_user("coordinator", programme=b),
        "trainer": make_user("trainer", programme=a),
        "other_trainer": make_user("trainer", programme=a),
        "learner": make_user("learner"),
    }
    workshop = make_workshop(trainer=people["trainer"], programme_id=a.id, capacity=1)
    return workshop, people


def _actions(person_id: int) -> list[tuple[int | None, str, str]]:
    from courses.people.models import StaffAction

    db.session.rollback()  # a fresh read: what the requests committed
    rows = db.session.execute(
        sa.select(StaffAction.staff_id, StaffAction.kind, StaffAction.detail)
        .where(StaffAction.person_id == person_id)
        .order_by(StaffAction.id)
    )
    return [(s, k.value, d) for s, k, d in rows]


def test_who_may_enrol_someone_on_their_behalf(app, world, client, api_token, make_user):
    # POST /workshops/{id}/enrolments: the workshop's trainer, its programme's coordinator and
    # a site administrator may; another programme's coordinator, another trainer and a learner
    # are refused (403/404), a visitor gets 401; a refusal enrols nobody.
    workshop, people = world
    url = f"/api/v1/workshops/{workshop.id}/enrolments"
    for who in ("coord_b", "other_trainer", "learner"):
        person = make_user("learner")
        answer = client.post(url, json={"user_id": person.id}, headers=api_token(people[who]))
        assert answer.status_code in (403, 404), who
        assert _actions(person.id) == []
    person = make_user("learner")
    assert client.post(url, json={"user_id": person.id}).status_code == 401
    for who in ("trainer", "coord_a", "admin"):
        person = make_user("learner")
        answer = client.post(url, json={"user_id": person.id}, headers=api_token(people[who]))
        assert answer.status_code == 201, (who, answer.json)
        assert _actions(person.id) == [(people[who].id, "enrolled", answer.json["status"])]


def test_enrol_on_behalf_takes_the_queue_and_records_who(app, world, client, api_token, make_user):
    # The same rule and answers as self-enrolment: the first takes the one seat (201), the
    # next the waiting list (201, position 1); repeating answers the same place with 200 and
    # records nothing more; staff and unknown people are refused without a 5xx.
    workshop, people = world
    url = f"/api/v1/workshops/{workshop.id}/enrolments"
    headers = api_token(people["trainer"])
    first, second = make_user("learner"), make_user("learner")
    answer = client.post(url, json={"user_id": first.id}, headers=headers)
    assert answer.status_code == 201
    assert answer.json == {
        "workshop_id": workshop.id,
        "status": "enrolled",
        "waitlist_position": None,
    }
    answer = client.post(url, json={"user_id": second.id}, headers=headers)
    assert answer.status_code == 201
    assert answer.json == {
        "workshop_id": workshop.id,
        "status": "waitlisted",
        "waitlist_position": 1,
    }
    again = client.post(url, json={"user_id": second.id}, headers=headers)
    assert again.status_code == 200
    assert again.json == answer.json
    assert _actions(first.id) == [(people["trainer"].id, "enrolled", "enrolled")]
    assert _actions(second.id) == [(people["trainer"].id, "enrolled", "waitlisted")]
    staff = client.post(url, json={"user_id": people["coord_b"].id}, headers=headers)
    assert staff.status_code == 409
    assert staff.json["error"]["code"] == "not_a_learner"
    nobody = client.post(url, json={"user_id": 999999}, headers=headers)
    assert nobody.status_code == 404
