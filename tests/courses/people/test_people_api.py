"""Enrolling someone on their behalf through the API: the workshop's trainer and the
programme's coordinator may, by the queue's rule, recorded as done by them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.db import db
from lms.programmes.operations import join


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


CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _people(*emails: str) -> int:
    from lms.accounts.models import User

    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.email.in_(emails))
    )


def _file(*lines: str) -> bytes:
    return ("email,firstname,lastname,lang\n" + "\n".join(lines) + "\n").encode()


def test_only_the_programmes_coordinator_imports_people(app, world, client, api_token):
    # POST /programmes/{id}/people/import: the programme's coordinator and a site
    # administrator; another programme's coordinator, trainers and learners are refused
    # (403/404), a visitor gets 401; a refusal writes nothing.
    workshop, people = world
    url = f"/api/v1/programmes/{workshop.programme_id}/people/import"
    data = _file("nova@aula.test,Nova,Pérez,es")
    for who in ("coord_b", "trainer", "other_trainer", "learner"):
        answer = client.post(url, data=data, content_type=CSV, headers=api_token(people[who]))
        assert answer.status_code in (403, 404), who
    assert client.post(url, data=data, content_type=CSV).status_code == 401
    assert _people("nova@aula.test") == 0
    answer = client.post(url, data=data, content_type=CSV, headers=api_token(people["coord_a"]))
    assert answer.status_code == 200, answer.json
    assert answer.json == {
        "rows": [{"line": 2, "email": "nova@aula.test", "outcome": "new", "reason": None}]
    }
    assert _people("nova@aula.test") == 1


def test_a_dry_run_writes_nothing_and_the_apply_all_or_nothing(
    app, world, client, api_token, make_user
):
    # ?dry_run=1 answers each row's outcome and writes nothing; without it a file with one
    # bad row is refused whole (422 with the rows), a good one written whole; a file that is
    # not a table (wrong type, not UTF-8, too big) is a 4xx naming the reason.
    workshop, people = world
    url = f"/api/v1/programmes/{workshop.programme_id}/people/import"
    headers = api_token(people["coord_a"])
    known = make_user("learner", email="known@aula.test")
    join(workshop.programme_id, known)  # one of programme A's people: its coordinator's to update
    db.session.commit()
    good = _file("a1@aula.test,Ana,Pérez,es", "known@aula.test,Known,Again,ca")
    dry = client.post(url + "?dry_run=1", data=good, content_type=CSV, headers=headers)
    assert dry.status_code == 200
    assert [(r["email"], r["outcome"]) for r in dry.json["rows"]] == [
        ("a1@aula.test", "new"),
        ("known@aula.test", "updated"),
    ]
    assert _people("a1@aula.test") == 0
    bad = _file("a2@aula.test,Bea,Ruiz,es", "not-an-address,Carla,Gil,es")
    refused = client.post(url, data=bad, content_type=CSV, headers=headers)
    assert refused.status_code == 422
    assert [r["outcome"] for r in refused.json["rows"]] == ["new", "error"]
    assert refused.json["rows"][1]["reason"]
    assert _people("a2@aula.test") == 0
    applied = client.post(url, data=good, content_type=CSV, headers=headers)
    assert applied.status_code == 200
    assert _people("a1@aula.test") == 1
    db.session.refresh(known)
    assert known.name == "Known Again"
    json_body = client.post(url, json={"rows": []}, headers=headers)
    assert json_body.status_code == 415
    assert json_body.json["error"]["code"] == "bad_file_type"
    latin = client.post(url, data="email,firstname,lastname\nñ@aula.test,Ñ,Ñ\n".encode("latin-1"),
                        content_type=CSV, headers=headers)  # fmt: skip
    assert latin.status_code == 422
    assert latin.json["error"]["code"]
    broken = client.post(url, data=b"not a zip", content_type=XLSX, headers=headers)
    assert broken.status_code == 422
    huge = client.post(url, data=b"x" * (4 * 1024 * 1024 + 10), content_type=CSV, headers=headers)
    assert huge.status_code == 413
