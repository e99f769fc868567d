"""A page and the API route that do the same thing share one permission: for every such pair,
every role and every relationship to the thing (its trainer, a member, a mentor, a referent,
an outsider) gets the same answer from both: let through, hidden (404), refused (403), or
asked to sign in. Business refusals after the permission (a full cohort, a workshop that has
not started) count as "let through": they are the same rule for both and tested elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from lms.db import db, utcnow
from tests.cohort_fixtures import make_entities

ALLOWED, HIDDEN, REFUSED, SIGN_IN = "allowed", "hidden", "refused", "sign in"

#: Who asks: a role, or a relationship to the world built below.
PEOPLE = [
    "visitor",
    "learner",  # enrolled in nothing
    "enrolled",  # holds a seat in the public workshop
    "trainer",  # trains the public workshop
    "other_trainer",
    "coordinator",
    "member",  # of the entity admitted to the cohort
    "referent",  # of that entity
    "mentor",  # of that entity (a member of another entity)
    "cohort_referent",  # the cohort's referent, a trainer
    "other_coordinator",  # coordinates another programme: nobody special in this one
]

#: What a coordinator of another programme may still do with this one's things: what anyone
#: may (see a public workshop, take or give up a seat, see her own places), and create in
#: her own programme. Everything else answers 404 or 403.
OTHER_PROGRAMME_MAY = {
    "see a workshop",
    "enrol",
    "give up a seat",
    "create a workshop",
    "create an entity",
    "see one's enrolments",
}


@dataclass
class World:
    people: dict[str, Any]
    workshop: Any  # public, with `enrolled` seated
    started: Any  # public, started an hour ago, `enrolled` seated
    meeting: Any  # a cohort-wide meeting of the cohort
    cohort: Any
    entity: Any  # admitted, with member and referent, mentored by `mentor`
    other_entity: Any  # not in the cohort


@pytest.fixture
def world(make_user, make_workshop, make_cohort, make_programme) -> World:
    from courses.cohorts import operations as cohorts
    from courses.entities import operations as entities
    from courses.workshops import operations as workshops

    elsewhere = make_programme(name="Bootcamp ESS")
    people = {
        name: make_user(
            _role(name),
            name=name.replace("_", " ").title(),
            programme=elsewhere if name == "other_coordinator" else None,
        )
        for name in PEOPLE
    }
    people["visitor"] = None
    workshop = make_workshop(trainer=people["trainer"], capacity=5)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    started = make_workshop(trainer=people["trainer"], capacity=5, starts_at=start)
    workshops.enrol_for_demo(started.id, people["enrolled"])
    workshops.enrol(workshop.id, people["enrolled"])
    entity, other = make_entities(make_user, 2, members=0, prefix="Cooperativa")
    entities.add_member(entity.id, people["referent"], "referent")
    entities.add_member(entity.id, people["member"])
    entities.add_member(other.id, people["mentor"])
    cohort = make_cohort(
        name="Bootcamp",
        starts_on=(utcnow() + timedelta(days=14)).date(),
        referent=people["cohort_referent"],
    )
    cohorts.admit_entity(cohort.id, entity.id)
    cohorts.assign_mentor(cohort.id, entity.id, people["mentor"])
    db.session.commit()
    meeting = next(m.workshop for m in cohort_meetings(cohort.id) if m.entity_id is None)
    return World(people, workshop, started, meeting, cohort, entity, other)


def cohort_meetings(cohort_id: int):
    from courses.cohorts.queries import meetings

    return meetings(cohort_id)


def _role(name: str) -> str:
    if name in ("trainer", "other_trainer", "cohort_referent"):
        return "trainer"
    return "coordinator" if name in ("coordinator", "other_coordinator") else "learner"


def _workshop_form(w: World) -> dict[str, str]:
    local = (utcnow() + timedelta(days=9)).astimezone(w.workshop.zone)
    return {
        "title": "Nuevo título",
        "description": "",
        "topic": "Web",
        "day": local.date().isoformat(),
        "start": "10:00",
        "end": "11:00",
        "timezone": "Europe/Madrid",
        "capacity": "6",
    }


#: (action, page request, API request); each request is (method, path, data) from the world.
PAIRS = [
    (
        "see a workshop",
        lambda w: ("GET", f"/workshops/{w.workshop.id}", None),
        lambda w: ("GET", f"/api/v1/workshops/{w.workshop.id}", None),
    ),
    (
        "see a cohort meeting",
        lambda w: ("GET", f"/workshops/{w.meeting.id}", None),
        lambda w: ("GET", f"/api/v1/workshops/{w.meeting.id}", None),
    ),
    (
        "enrol",
        lambda w: ("POST", f"/workshops/{w.workshop.id}/enrol", {}),
        lambda w: ("POST", f"/api/v1/workshops/{w.workshop.id}/enrolment", None),
    ),
    (
        "enrol in a cohort meeting",
        lambda w: ("POST", f"/workshops/{w.meeting.id}/enrol", {}),
        lambda w: ("POST", f"/api/v1/workshops/{w.meeting.id}/enrolment", None),
    ),
    (
        "give up a seat",
        lambda w: ("POST", f"/workshops/{w.workshop.id}/withdraw", {}),
        lambda w: ("DELETE", f"/api/v1/workshops/{w.workshop.id}/enrolment", None),
    ),
    (
        "change a workshop",
        lambda w: ("POST", f"/workshops/{w.workshop.id}/edit", _workshop_form(w)),
        lambda w: ("PATCH", f"/api/v1/workshops/{w.workshop.id}", {"title": "Nuevo título"}),
    ),
    (
        "cancel a workshop",
        lambda w: ("POST", f"/workshops/{w.workshop.id}/cancel", {}),
        lambda w: ("POST", f"/api/v1/workshops/{w.workshop.id}/cancel", None),
    ),
    (
        "see the roster",
        lambda w: ("GET", f"/workshops/{w.workshop.id}/roster", None),
        lambda w: ("GET", f"/api/v1/workshops/{w.workshop.id}/roster", None),
    ),
    (
        "take attendance",
        lambda w: (
            "POST",
            f"/workshops/{w.started.id}/attendance",
            {f"status-{w.people['enrolled'].id}": "present"},
        ),
        lambda w: (
            "PUT",
            f"/api/v1/workshops/{w.started.id}/attendance/{w.people['enrolled'].id}",
            {"status": "present"},
        ),
    ),
    (
        "enter the video room",
        lambda w: ("POST", f"/workshops/{w.started.id}/join", {}),
        lambda w: ("GET", f"/api/v1/workshops/{w.started.id}/room", None),
    ),
    (
        "choose the video room",
        lambda w: ("POST", f"/workshops/{w.workshop.id}/room", {"provider": "video_jitsi"}),
        lambda w: ("PUT", f"/api/v1/workshops/{w.workshop.id}/room", {"provider": "video_jitsi"}),
    ),
    (
        "see a cohort",
        lambda w: ("GET", f"/cohorts/{w.cohort.id}", None),
        lambda w: ("GET", f"/api/v1/cohorts/{w.cohort.id}", None),
    ),
    (
        "admit an entity",
        lambda w: ("POST", f"/cohorts/{w.cohort.id}/entities", {"entity_id": w.other_entity.id}),
        lambda w: (
            "POST",
            f"/api/v1/cohorts/{w.cohort.id}/entities",
            {"entity_id": w.other_entity.id},
        ),
    ),
    (
        "remove an entity",
        lambda w: ("POST", f"/cohorts/{w.cohort.id}/entities/{w.entity.id}/leave", {}),
        lambda w: ("DELETE", f"/api/v1/cohorts/{w.cohort.id}/entities/{w.entity.id}", None),
    ),
    (
        "pair a mentor",
        lambda w: (
            "POST",
            f"/cohorts/{w.cohort.id}/entities/{w.entity.id}/mentor",
            {"user_id": w.people["other_trainer"].id},
        ),
        lambda w: (
            "PUT",
            f"/api/v1/cohorts/{w.cohort.id}/entities/{w.entity.id}/mentor",
            {"user_id": w.people["other_trainer"].id},
        ),
    ),
    (
        "unpair the mentor",
        lambda w: ("POST", f"/cohorts/{w.cohort.id}/entities/{w.entity.id}/mentor/unpair", {}),
        lambda w: ("DELETE", f"/api/v1/cohorts/{w.cohort.id}/entities/{w.entity.id}/mentor", None),
    ),
    (
        "record a check-in",
        lambda w: (
            "POST",
            f"/cohorts/{w.cohort.id}/entities/{w.entity.id}/check-in",
            {"week": "1", "status": "on_track", "notes": ""},
        ),
        lambda w: (
            "POST",
            f"/api/v1/cohorts/{w.cohort.id}/entities/{w.entity.id}/progress",
            {"week": 1, "status": "on_track", "notes": ""},
        ),
    ),
    (
        "see an entity",
        lambda w: ("GET", f"/entities/{w.entity.id}", None),
        lambda w: ("GET", f"/api/v1/entities/{w.entity.id}", None),
    ),
    (
        "add a member",
        lambda w: (
            "POST",
            f"/entities/{w.entity.id}/members",
            {"user_id": w.people["learner"].id, "role": "member"},
        ),
        lambda w: (
            "POST",
            f"/api/v1/entities/{w.entity.id}/members",
            {"user_id": w.people["learner"].id, "role": "member"},
        ),
    ),
    (
        "remove a member",
        lambda w: (
            "POST",
            f"/entities/{w.entity.id}/members/{w.people['member'].id}/remove",
            {},
        ),
        lambda w: (
            "DELETE",
            f"/api/v1/entities/{w.entity.id}/members/{w.people['member'].id}",
            None,
        ),
    ),
    (
        "record a diagnosis",
        lambda w: (
            "POST",
            f"/entities/{w.entity.id}/diagnosis",
            {"readiness": "3", "market": "3", "capacity": "3", "notes": ""},
        ),
        lambda w: (
            "PUT",
            f"/api/v1/entities/{w.entity.id}/diagnosis",
            {"readiness": 3, "market": 3, "capacity": 3},
        ),
    ),
    (
        "create a workshop",
        lambda w: ("POST", "/workshops/new", _workshop_form(w)),
        lambda w: (
            "POST",
            "/api/v1/workshops",
            {
                "title": "Nuevo",
                "starts_at": _workshop_form(w)["day"] + "T10:00:00",
                "ends_at": _workshop_form(w)["day"] + "T11:00:00",
                "timezone": "Europe/Madrid",
            },
        ),
    ),
    (
        "create an entity",
        lambda w: ("POST", "/entities", {"name": "Nueva", "kind": "cooperative"}),
        lambda w: ("POST", "/api/v1/entities", {"name": "Nueva", "kind": "cooperative"}),
    ),
    (
        "see one's enrolments",
        lambda w: ("GET", "/me/workshops", None),
        lambda w: ("GET", "/api/v1/me/enrolments", None),
    ),
]


def _page_answer(response) -> str:
    if response.status_code == 404:
        return HIDDEN
    if response.status_code == 403:
        return REFUSED
    if response.status_code in (302, 303) and "/sign-in" in response.location:
        return SIGN_IN
    assert response.status_code < 500, response.get_data(as_text=True)
    return ALLOWED


def _api_answer(response) -> str:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 401:
        return SIGN_IN
    if response.status_code == 403:
        return REFUSED
    if response.status_code == 404 and response.get_json()["error"]["code"] == "not_found":
        return HIDDEN
    return ALLOWED


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("action,page,api", PAIRS, ids=[p[0] for p in PAIRS])
def test_a_page_and_its_api_route_answer_alike(
    app, world, login, api_token, who, action, page, api
):
    # Whoever asks, the page and the API route for one action let through or refuse alike.
    person = world.people[who]
    headers = api_token(person) if person else {}
    method, path, body = api(world)
    via_api = _api_answer(app.test_client().open(path, method=method, json=body, headers=headers))
    db.session.rollback()
    client = app.test_client()
    if person:
        login(person, client=client)
    method, path, data = page(world)
    via_page = _page_answer(client.open(path, method=method, data=data))
    assert via_page == via_api, f"{who} / {action}: page {via_page}, API {via_api}"
    if who == "other_coordinator":
        assert (via_api in (HIDDEN, REFUSED)) == (action not in OTHER_PROGRAMME_MAY), via_api
    if who == "visitor":
        assert via_api == (ALLOWED if action == "see a workshop" else SIGN_IN) or (
            action == "see a cohort meeting" and via_api == HIDDEN
        )
