"""The advice desk's routes of the JSON API, for every role: the contract's answers, JSON
errors in the reader's language, private notes never shown to the requester."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from courses.advice import operations
from courses.advice.models import Case, Consultation
from lms.db import db, utcnow
from tests.advice_fixtures import count, free, tomorrow_at

pytest_plugins = ["tests.advice_fixtures"]  # desk, advice_people

ROLES = ("anonymous", "learner", "requester", "advisor", "other_advisor", "coordinator")
WEEKLY = [{"weekday": d, "start": "10:00", "end": "11:30"} for d in range(1, 8)]
HOURS = {"timezone": "Europe/Madrid", "slot_minutes": 45, "weekly": WEEKLY}

# Each row: method, path, body, the status for each of ROLES. In paths and bodies {topic},
# {other_topic}, {case}, {advisor}, {other_advisor}, {entity} and {slot} are filled in.
MATRIX = [
    ("GET", "/advice/topics", None, (200, 200, 200, 200, 200, 200)),
    ("POST", "/advice/topics", {"name": "Redes"}, (401, 403, 403, 403, 403, 201)),
    ("GET", "/advice/topics/{topic}/slots", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/advice/advisors/{advisor}/hours", None, (401, 403, 403, 200, 403, 200)),
    ("PUT", "/advice/advisors/{advisor}/hours", HOURS, (401, 403, 403, 200, 403, 200)),
    ("POST", "/advice/requests", {"topic_id": "{topic}", "need": "Web", "consent": True},
     (401, 201, 201, 201, 201, 201)),
    ("GET", "/advice/requests", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/advice/requests/{case}", None, (401, 404, 200, 200, 404, 200)),
    ("POST", "/advice/requests/{case}/booking", {"starts_at": "{slot}"},
     (401, 404, 201, 403, 404, 403)),
    ("POST", "/advice/requests/{case}/proposal", {"starts_at": "{slot}"},
     (401, 404, 403, 201, 404, 201)),
    ("POST", "/advice/requests/{case}/referral", {"topic_id": "{other_topic}"},
     (401, 404, 403, 201, 404, 201)),
    ("POST", "/advice/requests/{case}/notes", {"text": "Tiene tienda"},
     (401, 404, 403, 201, 404, 201)),
    ("PUT", "/advice/requests/{case}/advisor", {"advisor_id": "{other_advisor}"},
     (401, 404, 403, 403, 404, 200)),
    ("POST", "/advice/requests/{case}/close", None, (401, 404, 403, 200, 404, 200)),
    ("PUT", "/advice/entities/{entity}/need", {"level": "first"}, (401, 403, 403, 403, 403, 200)),
]  # fmt: skip

CONSULTATION_MATRIX = [
    ("PATCH", "/advice/consultations/{consultation}", {"starts_at": "{slot}"},
     (401, 404, 200, 200, 404, 200)),
    ("POST", "/advice/consultations/{consultation}/cancel", None,
     (401, 404, 200, 200, 404, 200)),
    # Not started yet: whoever may record it is let through to the 409.
    ("POST", "/advice/consultations/{consultation}/held", None,
     (401, 404, 403, 409, 404, 409)),
]  # fmt: skip


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _ids(world, make_entity=None) -> dict:
    people = world["people"]
    slots = free(people["advisor"].id)
    return {
        "topic": world["topic"].id,
        "other_topic": world["other_topic"].id,
        "case": world["case"].id,
        "advisor": people["advisor"].id,
        "other_advisor": people["other_advisor"].id,
        "slot": slots[-1].starts_at.isoformat(),
    }


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["error"]) == {"code", "message"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body


@pytest.fixture
def entity(make_user):
    from courses.entities import operations as entities

    made = entities.create_entity(name="Tienda Rías Baixas", kind="business")
    db.session.commit()
    return made


@pytest.mark.parametrize("method,path,body,statuses", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_contract_says(
    client, advice_people, entity, role, method, path, body, statuses
):
    # Anonymous is 401; whoever may not see the case gets 404; whoever sees it but may not act
    # gets 403; the requester, the advisor and the coordinators get what the contract says.
    ids = _ids(advice_people) | {"entity": entity.id}
    url = "/api/v1" + path.format(**ids)
    response = client.open(
        url, method=method, json=_fill(body, ids), headers=advice_people["headers"][role]
    )
    expected = statuses[ROLES.index(role)]
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        _error(response, expected)


@pytest.mark.parametrize("method,path,body,statuses", CONSULTATION_MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_every_consultation_route_answers_each_role(
    client, advice_people, role, method, path, body, statuses
):
    # A consultation is moved or cancelled by its two people and coordinators, recorded held
    # by its advisor and coordinators; others do not find it.
    case = advice_people["case"]
    slots = free(case.advisor_id)
    consultation = operations.book(case.id, slots[0].starts_at)
    db.session.commit()
    ids = {"consultation": consultation.id, "slot": slots[1].starts_at.isoformat()}
    response = client.open(
        "/api/v1" + path.format(**ids),
        method=method,
        json=_fill(body, ids),
        headers=advice_people["headers"][role],
    )
    expected = statuses[ROLES.index(role)]
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        _error(response, expected)


def test_a_request_is_routed_and_shown_as_the_contract_says(client, advice_people):
    # 201 {id, topic_id, advisor_id, status}; the case shows its consultations and referrals.
    people, headers = advice_people["people"], advice_people["headers"]
    topic = advice_people["topic"]
    response = client.post(
        "/api/v1/advice/requests",
        json={"topic_id": topic.id, "need": "Vender online", "consent": True,
              "advisor_id": people["other_advisor"].id},
        headers=headers["learner"],
    )  # fmt: skip
    assert response.status_code == 201
    body = response.get_json()
    assert {"id", "topic_id", "advisor_id", "status"} <= body.keys()
    assert (body["topic_id"], body["advisor_id"], body["status"]) == (
        topic.id, people["other_advisor"].id, "open",
    )  # fmt: skip
    shown = client.get(f"/api/v1/advice/requests/{body['id']}", headers=headers["learner"])
    assert {"consultations", "referrals", "referred_from"} <= shown.get_json().keys()


@pytest.mark.parametrize(
    "body,code",
    [
        ({"need": "Web", "consent": False}, "consent_required"),
        ({"need": "Web"}, "consent_required"),
        ({"need": "Web", "consent": True, "topic_id": 9999}, "unknown_topic"),
        ({"need": "", "consent": True}, "missing"),
    ],
)
def test_a_bad_request_is_a_422_and_writes_nothing(client, advice_people, body, code):
    # No consent, an unknown topic, no need: 422 with a message, and no new case.
    before = count(Case)
    body = {"topic_id": advice_people["topic"].id} | body
    response = client.post(
        "/api/v1/advice/requests", json=body, headers=advice_people["headers"]["learner"]
    )
    _error(response, 422, code)
    assert count(Case) == before


def test_errors_speak_the_readers_language(client, advice_people):
    # A refused form speaks Spanish to whoever asks in Spanish.
    headers = advice_people["headers"]["learner"] | {"Accept-Language": "es"}
    response = client.post(
        "/api/v1/advice/requests",
        json={"topic_id": advice_people["topic"].id, "need": "Web", "consent": False},
        headers=headers,
    )
    message = _error(response, 422, "consent_required")["error"]["message"]
    assert message == "Acepta el uso de tu solicitud para las cifras del programa."


@pytest.mark.parametrize(
    "when,status,code",
    [
        (lambda: utcnow() - timedelta(days=1), 422, "slot_in_past"),
        (lambda: tomorrow_at(15), 422, "outside_hours"),
        (lambda: "mañana", 422, "invalid"),
    ],
)
def test_a_bad_booking_is_refused_and_writes_nothing(client, advice_people, when, status, code):
    # A slot in the past, outside the hours, or no time at all: refused, no consultation.
    case, headers = advice_people["case"], advice_people["headers"]["requester"]
    value = when()
    response = client.post(
        f"/api/v1/advice/requests/{case.id}/booking",
        json={"starts_at": value if isinstance(value, str) else value.isoformat()},
        headers=headers,
    )
    _error(response, status, code)
    assert count(Consultation) == 0


def test_a_taken_slot_is_a_409_with_the_next_free_slots(client, advice_people, make_user):
    # The slot went to someone else: 409 {error, next_slots}, in order, without it.
    case, headers = advice_people["case"], advice_people["headers"]["requester"]
    slot = free(case.advisor_id)[0]
    other = operations.create_request(
        make_user(), topic_id=case.topic_id, need="Web", consent=True, advisor_id=case.advisor_id
    )
    operations.book(other.id, slot.starts_at)
    db.session.commit()
    response = client.post(
        f"/api/v1/advice/requests/{case.id}/booking",
        json={"starts_at": slot.starts_at.isoformat()},
        headers=headers,
    )
    body = _error(response, 409, "slot_taken")
    starts = [datetime.fromisoformat(s["starts_at"]) for s in body["next_slots"]]
    assert starts == sorted(starts) and len(starts) == 5
    assert slot.starts_at not in starts
    assert all(s["advisor_id"] == case.advisor_id for s in body["next_slots"])


def test_private_notes_are_never_shown_to_the_requester(client, advice_people):
    # The advisor's note is in the case for the advisor and coordinators, not the requester.
    case, headers = advice_people["case"], advice_people["headers"]
    written = client.post(
        f"/api/v1/advice/requests/{case.id}/notes",
        json={"text": "Nivel bajo; derivar a protección de datos"},
        headers=headers["advisor"],
    )
    assert written.status_code == 201
    for role in ("advisor", "coordinator"):
        shown = client.get(f"/api/v1/advice/requests/{case.id}", headers=headers[role]).get_json()
        assert [n["text"] for n in shown["notes"]] == ["Nivel bajo; derivar a protección de datos"]
    seen = client.get(f"/api/v1/advice/requests/{case.id}", headers=headers["requester"])
    assert "notes" not in seen.get_json()
    assert "derivar" not in seen.get_data(as_text=True)


def test_slots_are_free_in_order_and_none_in_the_past(client, advice_people):
    # The topic's slots: every advisor's free ones, in order, none past or taken.
    case, headers = advice_people["case"], advice_people["headers"]["learner"]
    first = free(case.advisor_id)[0]
    operations.book(case.id, first.starts_at)
    db.session.commit()
    body = client.get(f"/api/v1/advice/topics/{case.topic_id}/slots", headers=headers).get_json()
    moments = [(datetime.fromisoformat(s["starts_at"]), s["advisor_id"]) for s in body]
    assert moments == sorted(moments)
    assert (first.starts_at, case.advisor_id) not in moments
    assert all(m > utcnow() for m, _ in moments)
