"""The workshop routes of the JSON API, as shared/api-contract.md names them."""

from datetime import timedelta

import pytest

from courses.workshops import operations
from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop
from lms.db import db, utcnow
from tests.support import fresh

#: ``other_coordinator`` coordinates another programme than the workshop's: there she is
#: nobody special (a learner, for a public workshop).
ROLES = ("anonymous", "learner", "other_trainer", "own_trainer", "coordinator", "other_coordinator")


@pytest.fixture
def people(make_user, make_programme, api_token):
    """Headers for each role, and the trainer who owns the workshop under test."""
    own = make_user("trainer")
    users = {
        "learner": make_user(),
        "other_trainer": make_user("trainer"),
        "own_trainer": own,
        "coordinator": make_user("coordinator"),
        "other_coordinator": make_user("coordinator", programme=make_programme()),
    }
    headers = {"anonymous": {}} | {role: api_token(user) for role, user in users.items()}
    return headers, users


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["error"]) == {"code", "message"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# Each row: method, path (with {id}), JSON body, the status for each of ROLES.
MATRIX = [
    ("GET", "/api/v1/workshops/{id}", None, (200, 200, 200, 200, 200, 200)),
    ("PATCH", "/api/v1/workshops/{id}", {"title": "Nuevo"}, (401, 403, 403, 200, 200, 403)),
    ("POST", "/api/v1/workshops/{id}/cancel", None, (401, 403, 403, 200, 200, 403)),
    ("GET", "/api/v1/workshops/{id}/roster", None, (401, 403, 403, 200, 200, 403)),
    ("POST", "/api/v1/workshops/{id}/enrolment", None, (401, 201, 403, 403, 403, 201)),
    ("DELETE", "/api/v1/workshops/{id}/enrolment", None, (401, 404, 403, 403, 403, 404)),
    ("GET", "/api/v1/me/enrolments", None, (401, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize("method,path,body,statuses", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_contract_says(
    client, make_workshop, people, role, method, path, body, statuses
):
    # Anonymous is 401, a role without the right is 403, its trainer and coordinators pass;
    # a coordinator of another programme manages nothing of it.
    headers, users = people
    workshop = make_workshop(trainer=users["own_trainer"])
    response = client.open(
        path.format(id=workshop.id), method=method, json=body, headers=headers[role]
    )
    expected = statuses[ROLES.index(role)]
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        _error(response, expected)


RESTRICTED = [
    ("GET", "/api/v1/workshops/{id}", None, (404, 404, 404, 200, 200, 404)),
    ("PATCH", "/api/v1/workshops/{id}", {"title": "Nuevo"}, (401, 404, 404, 200, 200, 404)),
    ("GET", "/api/v1/workshops/{id}/roster", None, (401, 404, 404, 200, 200, 404)),
    ("POST", "/api/v1/workshops/{id}/enrolment", None, (401, 404, 404, 403, 403, 404)),
]


@pytest.mark.parametrize("method,path,body,statuses", RESTRICTED)
@pytest.mark.parametrize("role", ROLES)
def test_a_cohort_workshop_is_not_found_by_outsiders(
    client, make_workshop, people, role, method, path, body, statuses
):
    # A workshop restricted to a cohort does not exist for anyone outside it (a coordinator of
    # another programme included).
    headers, users = people
    workshop = make_workshop(trainer=users["own_trainer"], audience=Audience.cohort)
    response = client.open(
        path.format(id=workshop.id), method=method, json=body, headers=headers[role]
    )
    assert response.status_code == statuses[ROLES.index(role)], response.get_data(as_text=True)


@pytest.mark.parametrize("method,path", [(m, p) for m, p, _b, _s in MATRIX if "{id}" in p])
def test_a_missing_workshop_is_a_json_404(client, people, method, path):
    # Every route answers an unknown workshop with a 404 in JSON, whoever asks.
    headers, _users = people
    role = "learner" if "enrolment" in path else "coordinator"
    response = client.open(path.format(id=999), method=method, json={}, headers=headers[role])
    _error(response, 404)


def test_catalogue_filters_and_bad_dates(client, make_workshop):
    # The catalogue filters by topic and dates; a date it cannot read is a 400 in JSON.
    soon = make_workshop(title="Soon", topic="Web", starts_at=utcnow() + timedelta(days=2))
    make_workshop(title="Later", topic="Legal", starts_at=utcnow() + timedelta(days=20))
    make_workshop(title="Hidden", audience=Audience.cohort)
    titles = lambda q="": [w["title"] for w in client.get("/api/v1/workshops" + q).get_json()]  # noqa: E731
    assert titles() == ["Soon", "Later"]
    assert titles("?topic=Legal") == ["Later"]
    cutoff = (utcnow() + timedelta(days=5)).date().isoformat()
    assert titles(f"?to={cutoff}") == ["Soon"]
    assert titles(f"?from={cutoff}") == ["Later"]
    assert titles(f"?from={cutoff}T00:00:00%2B02:00") == ["Later"]
    _error(client.get("/api/v1/workshops?from=yesterday"), 400, "bad_date")
    _error(client.get("/api/v1/workshops?to=2026-13-45"), 400, "bad_date")
    shown = client.get(f"/api/v1/workshops/{soon.id}").get_json()
    assert set(shown) == {
        "id",
        "title",
        "description",
        "topic",
        "starts_at",
        "ends_at",
        "timezone",
        "capacity",
        "seats_left",
        "waitlist_length",
        "status",
        "trainer",
        "ics_url",
        "programme_id",
    }
    assert shown["ics_url"] == f"http://aula.test/workshops/{soon.id}.ics"


def test_create_reads_times_in_the_zone_and_defaults_to_ten_seats(client, make_user, api_token):
    # Times without an offset are read in `timezone`; they come back with its offset.
    headers = api_token(make_user("trainer"))
    response = client.post(
        "/api/v1/workshops",
        headers=headers,
        json={
            "title": "Cómo mejorar el footer de tu web",
            "topic": "Web",
            "starts_at": "2030-04-02T12:00:00",
            "ends_at": "2030-04-02T13:00:00",
            "timezone": "Europe/Madrid",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["starts_at"] == "2030-04-02T12:00:00+02:00"
    assert (body["capacity"], body["seats_left"], body["status"]) == (10, 10, "scheduled")
    stored = db.session.get(Workshop, body["id"])
    assert stored.starts_at.hour == 10  # UTC


def test_create_accepts_an_offset_and_a_coordinator_may_name_the_trainer(
    client, make_user, api_token
):
    # An offset wins over the zone; a coordinator plans for a trainer, a trainer only for self.
    trainer = make_user("trainer")
    body = {
        "title": "Stories",
        "starts_at": "2030-01-10T12:00:00+00:00",
        "ends_at": "2030-01-10T13:00:00+00:00",
        "timezone": "America/Bogota",
        "capacity": 3,
        "trainer_id": trainer.id,
    }
    made = client.post("/api/v1/workshops", headers=api_token(make_user("coordinator")), json=body)
    assert made.status_code == 201
    assert made.get_json()["starts_at"] == "2030-01-10T07:00:00-05:00"
    assert made.get_json()["trainer"]["id"] == trainer.id
    refused = client.post("/api/v1/workshops", headers=api_token(make_user("trainer")), json=body)
    _error(refused, 403)


@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"title": ""}, 422, "missing"),
        ({"title": 5}, 422, None),
        ({"starts_at": "soon"}, 422, None),
        ({"ends_at": "2030-04-02T11:00:00"}, 422, "invalid_times"),
        ({"capacity": 0}, 422, "invalid_capacity"),
        ({"capacity": "ten"}, 422, None),
        ({"capacity": True}, 422, None),
        ({"timezone": "Europe/Nowhere"}, 422, "invalid_timezone"),
        ({"starts_at": None}, 422, "missing"),
    ],
)
def test_create_refuses_bad_input_in_json(client, make_user, api_token, change, status, code):
    # Bad input is a 4xx with a JSON error, never a 500, and nothing is created.
    body = {
        "title": "T",
        "starts_at": "2030-04-02T12:00:00",
        "ends_at": "2030-04-02T13:00:00",
        "timezone": "Europe/Madrid",
    } | change
    response = client.post("/api/v1/workshops", headers=api_token(make_user("trainer")), json=body)
    _error(response, status, code)
    assert db.session.query(Workshop).count() == 0


def test_create_refuses_a_body_that_is_not_json(client, make_user, api_token):
    # A body that is not a JSON object is a 400.
    headers = api_token(make_user("trainer"))
    _error(client.post("/api/v1/workshops", headers=headers, data="title=x"), 400, "bad_json")


def test_patch_changes_times_and_capacity_by_the_rules(client, make_workshop, make_user, api_token):
    # Raising the capacity seats the first waiting; lowering below the enrolled is a 409;
    # naive times are read in the (new) zone; an unknown field is refused.
    workshop = make_workshop(capacity=1)
    people = [make_user() for _ in range(3)]
    for person in people:
        operations.enrol(workshop.id, person)
    db.session.commit()
    headers = api_token(workshop.trainer)
    url = f"/api/v1/workshops/{workshop.id}"
    body = client.patch(url, headers=headers, json={"capacity": 2}).get_json()
    assert (body["capacity"], body["seats_left"], body["waitlist_length"]) == (2, 0, 1)
    assert fresh(workshop).enrolled_count == 2
    error = _error(client.patch(url, headers=headers, json={"capacity": 1}), 409)
    assert error["code"] == "capacity_below_held" and "2 people" in error["message"]
    body = client.patch(
        url,
        headers=headers,
        json={
            "timezone": "America/Bogota",
            "starts_at": "2031-05-01T09:00:00",
            "ends_at": "2031-05-01T10:30:00",
        },
    ).get_json()
    assert body["starts_at"] == "2031-05-01T09:00:00-05:00" and body["timezone"] == "America/Bogota"
    _error(client.patch(url, headers=headers, json={"status": "cancelled"}), 422, "unknown_field")
    error = _error(
        client.patch(url, headers=headers, json={"capacity": 2000}), 422, "invalid_capacity"
    )
    assert error["message"] == "The capacity must be a whole number from 1 to 1000."


def test_cancel_then_no_enrolment_and_no_change(client, make_workshop, make_user, api_token):
    # A cancelled workshop takes no enrolment and no change of its seats, and says it is
    # cancelled; its details can still be put right (issue 15: a far date kept it broken).
    workshop = make_workshop()
    url = f"/api/v1/workshops/{workshop.id}"
    body = client.post(url + "/cancel", headers=api_token(workshop.trainer)).get_json()
    assert body["status"] == "cancelled"
    _error(client.post(url + "/enrolment", headers=api_token(make_user())), 409, "cancelled")
    refused = client.patch(url, headers=api_token(workshop.trainer), json={"capacity": 20})
    _error(refused, 409, "cancelled")
    corrected = client.patch(url, headers=api_token(workshop.trainer), json={"title": "X"})
    assert corrected.status_code == 200
    assert corrected.json["status"] == "cancelled"


def test_a_started_workshop_takes_no_enrolment(client, make_workshop, make_user, api_token):
    # Enrolment closes when the workshop starts.
    workshop = make_workshop(starts_at=utcnow() - timedelta(minutes=1))
    response = client.post(
        f"/api/v1/workshops/{workshop.id}/enrolment", headers=api_token(make_user())
    )
    _error(response, 409, "started")


def test_enrolment_is_created_once_and_the_first_waiting_takes_a_freed_seat(
    client, make_workshop, make_user, api_token
):
    # 201 the first time, 200 with the same enrolment after; a withdrawal seats the first waiting.
    workshop = make_workshop(capacity=1)
    ana, ben, cai = (api_token(make_user()) for _ in range(3))
    url = f"/api/v1/workshops/{workshop.id}/enrolment"
    first = client.post(url, headers=ana)
    assert first.status_code == 201
    assert first.get_json() == {
        "workshop_id": workshop.id,
        "status": "enrolled",
        "waitlist_position": None,
    }
    again = client.post(url, headers=ana)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert client.post(url, headers=ben).get_json()["waitlist_position"] == 1
    assert client.post(url, headers=cai).get_json()["waitlist_position"] == 2
    repeated = client.post(url, headers=cai)
    assert repeated.status_code == 200 and repeated.get_json()["waitlist_position"] == 2

    assert client.delete(url, headers=ana).status_code == 204
    _error(client.delete(url, headers=ana), 404, "not_enrolled")
    mine = client.get("/api/v1/me/enrolments", headers=ben).get_json()
    assert [(m["status"], m["waitlist_position"]) for m in mine] == [("enrolled", None)]
    assert mine[0]["workshop"]["id"] == workshop.id
    mine = client.get("/api/v1/me/enrolments", headers=cai).get_json()
    assert [(m["status"], m["waitlist_position"]) for m in mine] == [("waitlisted", 1)]
    assert client.get("/api/v1/me/enrolments", headers=ana).get_json() == []
    db.session.rollback()
    assert db.session.query(Enrolment).count() == 3


def test_roster_lists_seats_and_the_waiting_list_in_order(
    client, make_workshop, make_user, api_token
):
    # The roster names who holds a seat (with attendance) and who waits, in arrival order.
    workshop = make_workshop(capacity=1)
    zoe, abel, bea = make_user(name="Zoe"), make_user(name="Abel"), make_user(name="Bea")
    for person in (zoe, abel, bea):
        operations.enrol(workshop.id, person)
    db.session.commit()
    body = client.get(
        f"/api/v1/workshops/{workshop.id}/roster", headers=api_token(workshop.trainer)
    ).get_json()
    assert body == {
        "enrolled": [{"user_id": zoe.id, "name": "Zoe", "email": zoe.email, "attendance": None}],
        "waitlist": [
            {"user_id": abel.id, "name": "Abel", "position": 1},
            {"user_id": bea.id, "name": "Bea", "position": 2},
        ],
    }
    states = {e.user_id: e.state for e in db.session.query(Enrolment)}
    assert states[zoe.id] is EnrolmentState.enrolled
