"""Bootcamp cohorts through the JSON API: itineraries, entities, admission and the waiting
list, mentors, check-ins, the schedule across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from courses.signals import cohort_place_changed, enrolment_changed
from lms.db import db
from tests.cohort_fixtures import STEPS, ZONE, Listener, cohort_start_across_dst, make_entities
from tests.support import fresh


@pytest.fixture
def token(api_token):
    """A bearer token made after requests: the test's read snapshot ends first."""

    def make(user):
        db.session.rollback()
        return api_token(user)

    return make


@pytest.fixture
def office(make_user, api_token):
    coordinator = make_user("coordinator", name="Oficina Tècnica")
    return coordinator, api_token(coordinator)


def _itinerary(client, headers, steps=STEPS):
    r = client.post(
        "/api/v1/itineraries",
        json={"name": "Itinerari ESS", "description": "Un any", "steps": steps},
        headers=headers,
    )
    assert r.status_code == 201, r.json
    return r.json


def _cohort(client, headers, itinerary_id, starts_on, **extra):
    body = {"itinerary_id": itinerary_id, "name": "Cohort tardor", "timezone": ZONE}
    r = client.post(
        "/api/v1/cohorts",
        json={**body, "starts_on": starts_on.isoformat(), **extra},
        headers=headers,
    )
    assert r.status_code == 201, r.json
    return r.json


def test_layout_keeps_local_time_across_both_changes():
    # A weekly 10:00 meeting stays at 10:00 in Madrid: its UTC time moves by an hour at the
    # last Sunday of October (31 Oct 2027) and of March (28 Mar 2027).
    from courses.cohorts.layout import occurrences

    zone = ZoneInfo(ZONE)
    autumn = occurrences(
        date(2027, 10, 20),
        zone,
        week=1,
        weekday=1,
        start_time=time(10),
        duration_minutes=60,
        repeat_every_weeks=1,
        repeat_count=4,
    )
    assert [o.starts_at for o in autumn] == [
        datetime(2027, 10, 18, 8, tzinfo=UTC),  # CEST, UTC+2
        datetime(2027, 10, 25, 8, tzinfo=UTC),
        datetime(2027, 11, 1, 9, tzinfo=UTC),  # CET, UTC+1
        datetime(2027, 11, 8, 9, tzinfo=UTC),
    ]
    assert [o.week for o in autumn] == [1, 2, 3, 4]
    assert all(o.ends_at - o.starts_at == timedelta(hours=1) for o in autumn)
    spring = occurrences(
        date(2027, 3, 22),
        zone,
        week=1,
        weekday=5,
        start_time=time(10),
        duration_minutes=30,
        repeat_every_weeks=1,
        repeat_count=2,
    )
    assert [o.starts_at for o in spring] == [
        datetime(2027, 3, 26, 9, tzinfo=UTC),
        datetime(2027, 4, 2, 8, tzinfo=UTC),
    ]


def test_the_whole_path(client, app, office, make_user, token):
    # Build an itinerary, open a cohort across a DST change, admit 11 entities (10 in, 1
    # waiting), pair mentors, let one leave (the waiting one comes in and its people are
    # enrolled), record check-ins.
    from courses.workshops.models import Enrolment, EnrolmentState, Workshop

    _coordinator, headers = office
    itinerary = _itinerary(client, headers)
    assert [s["kind"] for s in itinerary["steps"]] == [s["kind"] for s in STEPS]
    assert itinerary["weeks"] == 5
    starts_on, change = cohort_start_across_dst()
    cohort = _cohort(client, headers, itinerary["id"], starts_on)
    assert cohort["capacity"] == 10 and cohort["entities"] == []
    # Cohort-wide meetings only until entities come: workshop, diagnosis, 2 mutual-aid.
    assert [s["step"] for s in cohort["schedule"]] == [
        "workshop",
        "diagnosis",
        "mutual-aid",
        "mutual-aid",
    ]
    zone = ZoneInfo(ZONE)
    first_aid, second_aid = cohort["schedule"][2], cohort["schedule"][3]
    assert first_aid["starts_at"].endswith("18:00:00" + first_aid["starts_at"][-6:])
    assert datetime.fromisoformat(first_aid["starts_at"]).astimezone(zone).time() == time(18)
    assert datetime.fromisoformat(second_aid["starts_at"]).astimezone(zone).time() == time(18)
    offsets = {datetime.fromisoformat(s["starts_at"]).utcoffset() for s in cohort["schedule"]}
    assert len(offsets) == 2, "the schedule crosses the change"
    assert datetime.fromisoformat(first_aid["starts_at"]).date() < change
    # Cohort workshops are not in the public catalogue.
    assert not any(w["title"] == "Casos referents" for w in _catalogue(client))

    db.session.rollback()
    entities = make_entities(make_user, 11)
    with Listener(cohort_place_changed, lambda p, **kw: (p.entity_id, kw["reason"])) as places:
        statuses = []
        for entity in entities:
            r = client.post(
                f"/api/v1/cohorts/{cohort['id']}/entities",
                json={"entity_id": entity.id},
                headers=headers,
            )
            assert r.status_code == 201, r.json
            statuses.append((r.json["status"], r.json["waitlist_position"]))
        assert statuses == [("admitted", None)] * 10 + [("waitlisted", 1)]
        again = client.post(
            f"/api/v1/cohorts/{cohort['id']}/entities",
            json={"entity_id": entities[10].id},
            headers=headers,
        )
        assert again.status_code == 200 and again.json["waitlist_position"] == 1

        # Members of admitted entities are enrolled in every cohort-wide meeting and their own.
        body = client.get(f"/api/v1/cohorts/{cohort['id']}", headers=headers).json
        per_entity = [s for s in body["schedule"] if s["entity_id"] == entities[0].id]
        assert sorted(s["step"] for s in per_entity) == ["check-in"] * 3 + ["mentoring"]
        wide = [s for s in body["schedule"] if s["entity_id"] is None]
        assert all(s["capacity"] - s["seats_left"] == 20 for s in wide)
        assert all(s["capacity"] - s["seats_left"] == 2 for s in per_entity)
        check_ins = [s for s in per_entity if s["step"] == "check-in"]
        local_times = {
            datetime.fromisoformat(s["starts_at"]).astimezone(zone).time() for s in check_ins
        }
        assert local_times == {time(9, 30)}
        assert len({datetime.fromisoformat(s["starts_at"]).utcoffset() for s in check_ins}) == 2

        # Mentors come from another entity; a member of the entity is refused with a message.
        db.session.rollback()  # end the test's read snapshot before it writes
        mentor = make_user("trainer", name="Mentora de Colectic")
        member = entities[0].memberships[0].user
        refused = client.put(
            f"/api/v1/cohorts/{cohort['id']}/entities/{entities[0].id}/mentor",
            json={"user_id": member.id},
            headers=headers,
        )
        assert refused.status_code == 422
        assert "another entity" in refused.json["error"]["message"]
        paired = client.put(
            f"/api/v1/cohorts/{cohort['id']}/entities/{entities[0].id}/mentor",
            json={"user_id": mentor.id},
            headers=headers,
        )
        assert paired.status_code == 200 and paired.json["mentor"]["id"] == mentor.id
        own = db.session.scalars(
            sa.select(Workshop).where(Workshop.id.in_([s["id"] for s in per_entity]))
        ).all()
        assert {fresh(w).trainer_id for w in own} == {mentor.id}
        assert all(fresh(w).sequence == 1 for w in own)

        # Entity 3 leaves: the waiting entity is admitted and its people enrolled.
        leaving, waiting = entities[2], entities[10]
        r = client.delete(f"/api/v1/cohorts/{cohort['id']}/entities/{leaving.id}", headers=headers)
        assert r.status_code == 204
    heard = places.calls
    assert (waiting.id, "promoted") in heard and (leaving.id, "left") in heard
    body = client.get(f"/api/v1/cohorts/{cohort['id']}", headers=headers).json
    states = {e["entity_id"]: e["status"] for e in body["entities"]}
    assert states[waiting.id] == "admitted" and leaving.id not in states
    assert sum(1 for s in states.values() if s == "admitted") == 10
    db.session.rollback()
    wide_ids = [s["id"] for s in wide]
    for person in [m.user_id for m in fresh(waiting).memberships]:
        rows = db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.user_id == person, Enrolment.workshop_id.in_(wide_ids)
            )
        ).all()
        assert len(rows) == 4 and all(e.state is EnrolmentState.enrolled for e in rows)
    for person in [m.user_id for m in fresh(leaving).memberships]:
        rows = db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.user_id == person, Enrolment.workshop_id.in_(wide_ids)
            )
        ).all()
        assert len(rows) == 4 and all(e.state is EnrolmentState.removed for e in rows)
    from courses.cohorts.models import CohortMeeting

    leaving_meetings = db.session.scalars(
        sa.select(Workshop)
        .join(CohortMeeting, CohortMeeting.workshop_id == Workshop.id)
        .where(CohortMeeting.entity_id == leaving.id)
    ).all()
    assert leaving_meetings and all(w.is_cancelled for w in leaving_meetings)

    # Check-ins: the mentor records a week; again for the same week updates it.
    url = f"/api/v1/cohorts/{cohort['id']}/entities/{entities[0].id}/progress"
    as_mentor = token(mentor)
    r = client.post(
        url, json={"week": 1, "status": "on_track", "notes": "Bon inici"}, headers=as_mentor
    )
    assert r.status_code == 201 and r.json["status"] == "on_track"
    r = client.post(
        url, json={"week": 1, "status": "at_risk", "notes": "Falta temps"}, headers=as_mentor
    )
    assert r.status_code == 200 and r.json["status"] == "at_risk"
    referent = entities[0].memberships[0].user
    r = client.post(
        url, json={"week": 2, "status": "blocked", "notes": ""}, headers=token(referent)
    )
    assert r.status_code == 201
    assert (
        client.post(url, json={"week": 9, "status": "on_track"}, headers=headers).status_code == 422
    )
    assert client.post(url, json={"week": 1, "status": "fine"}, headers=headers).status_code == 422
    outsider = entities[1].memberships[1].user
    assert (
        client.post(
            url, json={"week": 3, "status": "on_track"}, headers=token(outsider)
        ).status_code
        == 403
    )
    body = client.get(f"/api/v1/cohorts/{cohort['id']}", headers=headers).json
    first = next(e for e in body["entities"] if e["entity_id"] == entities[0].id)
    assert [(p["week"], p["status"]) for p in first["progress"]] == [(1, "at_risk"), (2, "blocked")]
    # Another entity's member sees the statuses, not the notes.
    seen = client.get(f"/api/v1/cohorts/{cohort['id']}", headers=token(outsider)).json
    first = next(e for e in seen["entities"] if e["entity_id"] == entities[0].id)
    assert [p["notes"] for p in first["progress"]] == [None, None]
    assert all(s["entity_id"] in (None, entities[1].id) for s in seen["schedule"])


def _catalogue(client):
    r = client.get("/api/v1/workshops")
    assert r.status_code == 200, r.json
    return r.json


def test_who_may_see_a_cohort(client, office, make_user, token):
    # The cohort is shown to coordinators, members of its entities and its mentors only.
    _coordinator, headers = office
    itinerary = _itinerary(client, headers)
    starts_on, _ = cohort_start_across_dst()
    cohort = _cohort(client, headers, itinerary["id"], starts_on)
    db.session.rollback()
    entity, other = make_entities(make_user, 2, prefix="Ateneu")
    client.post(
        f"/api/v1/cohorts/{cohort['id']}/entities", json={"entity_id": entity.id}, headers=headers
    )
    db.session.rollback()
    mentor = make_user("learner", name="Mentor")
    client.put(
        f"/api/v1/cohorts/{cohort['id']}/entities/{entity.id}/mentor",
        json={"user_id": mentor.id},
        headers=headers,
    )
    url = f"/api/v1/cohorts/{cohort['id']}"
    # The mentor cannot become a member of the entity they mentor either.
    r = client.post(f"/api/v1/entities/{entity.id}/members",
                    json={"user_id": mentor.id}, headers=headers)  # fmt: skip
    assert r.status_code == 409
    assert client.get(url).status_code == 401
    assert client.get(url, headers=headers).status_code == 200
    assert client.get(url, headers=token(entity.memberships[1].user)).status_code == 200
    assert client.get(url, headers=token(mentor)).status_code == 200
    assert client.get(url, headers=token(other.memberships[0].user)).status_code == 403
    db.session.rollback()
    assert client.get(url, headers=token(make_user("trainer"))).status_code == 403
    learner = token(entity.memberships[1].user)
    for method, path, body in [
        ("post", "/api/v1/entities", {"name": "X", "kind": "council"}),
        ("post", "/api/v1/itineraries", {"name": "X", "steps": STEPS}),
        ("post", f"{url}/entities", {"entity_id": other.id}),
        ("delete", f"{url}/entities/{entity.id}", None),
        ("put", f"{url}/entities/{entity.id}/mentor", {"user_id": mentor.id}),
    ]:
        assert getattr(client, method)(path, json=body, headers=learner).status_code == 403
    # The diagnosis: coordinators and the entity's mentor, not its members.
    diag = {"readiness": 4, "market": 3, "capacity": 2, "needs": ["website", "cloud_tools"]}
    r = client.put(f"/api/v1/entities/{entity.id}/diagnosis", json=diag, headers=headers)
    assert r.status_code == 200 and r.json["score"] == 9 and r.json["track"] == "tools"
    durl = f"/api/v1/entities/{entity.id}/diagnosis"
    assert client.get(durl, headers=token(mentor)).status_code == 200
    assert client.get(durl, headers=learner).status_code == 403


def test_bad_input_is_refused_with_4xx(client, office, make_user):
    # Entities, itineraries and cohorts refuse bad input with a clear 4xx, never a 5xx.
    _, headers = office
    post = lambda path, body: client.post(path, json=body, headers=headers)  # noqa: E731
    assert post("/api/v1/entities", {"name": "Sense tipus", "kind": "club"}).status_code == 422
    assert post("/api/v1/entities", {"name": "A", "kind": "council", "size": 0}).status_code == 422
    assert post("/api/v1/entities", {"name": "Coop A", "kind": "cooperative"}).status_code == 201
    assert post("/api/v1/entities", {"name": "coop a", "kind": "cooperative"}).status_code == 409
    for bad in [
        {
            "kind": "party",
            "title": "x",
            "week": 1,
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
        },
        {
            "kind": "workshop",
            "title": "x",
            "week": 0,
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
        },
        {
            "kind": "workshop",
            "title": "x",
            "week": 1,
            "weekday": 8,
            "start_time": "10:00",
            "duration_minutes": 60,
        },
        {
            "kind": "workshop",
            "title": "x",
            "week": 1,
            "weekday": 1,
            "start_time": "25:00",
            "duration_minutes": 60,
        },
        {
            "kind": "workshop",
            "title": "",
            "week": 1,
            "weekday": 1,
            "start_time": "10:00",
            "duration_minutes": 60,
        },
        "step",
    ]:
        r = post("/api/v1/itineraries", {"name": "X", "steps": [bad]})
        assert r.status_code == 422, bad
    assert post("/api/v1/itineraries", {"name": "X", "steps": []}).status_code == 422
    itinerary = _itinerary(client, headers)
    base = {
        "itinerary_id": itinerary["id"],
        "name": "C",
        "timezone": ZONE,
        "starts_on": "2030-01-07",
    }
    assert post("/api/v1/cohorts", {**base, "starts_on": "7/1/2030"}).status_code == 422
    assert post("/api/v1/cohorts", {**base, "timezone": "Mars/Base"}).status_code == 422
    too_many = post("/api/v1/cohorts", {**base, "capacity": 41})
    assert too_many.status_code == 422 and too_many.json["error"]["code"] == "invalid_capacity"
    assert too_many.json["error"]["message"] == "A cohort takes from 1 to 40 entities."
    assert post("/api/v1/cohorts", {**base, "capacity": 0}).status_code == 422
    assert post("/api/v1/cohorts", {**base, "itinerary_id": 999}).status_code == 404
    r = post("/api/v1/cohorts", base)
    assert r.status_code == 201
    assert post(f"/api/v1/cohorts/{r.json['id']}/entities", {"entity_id": 999}).status_code == 404
    assert (
        client.delete(f"/api/v1/cohorts/{r.json['id']}/entities/999", headers=headers).status_code
        == 404
    )


def test_missing_checkins_are_flagged_and_announced_once(app, client, office, make_user):
    # A check-in meeting that has ended with no check-in is flagged, and announced once.
    from courses.cohorts import operations, queries
    from courses.signals import checkin_missing

    _, headers = office
    itinerary = _itinerary(client, headers)
    starts_on, _ = cohort_start_across_dst()
    cohort = _cohort(client, headers, itinerary["id"], starts_on)
    db.session.rollback()
    (entity,) = make_entities(make_user, 1)
    client.post(
        f"/api/v1/cohorts/{cohort['id']}/entities", json={"entity_id": entity.id}, headers=headers
    )
    db.session.rollback()
    later = datetime.combine(starts_on + timedelta(days=15), time(12), ZoneInfo(ZONE))
    missing = queries.missing_checkins(cohort_id=cohort["id"], now=later)
    assert [week for _place, week in missing] == [1, 2]
    operations.record_checkin(cohort["id"], entity.id, week=1, status="on_track")
    db.session.commit()
    with Listener(checkin_missing, lambda p, week: week) as announced:
        assert operations.remind_missing_checkins(now=later) == 1
        assert operations.remind_missing_checkins(now=later) == 0
    db.session.commit()
    assert announced.calls == [2]


def test_members_joining_and_leaving_an_admitted_entity(client, office, make_user):
    # A person added to an admitted entity is enrolled in the coming meetings and told;
    # a person taken off it is withdrawn.
    from courses.workshops.models import Enrolment, EnrolmentState

    _, headers = office
    itinerary = _itinerary(client, headers)
    starts_on, _ = cohort_start_across_dst()
    cohort = _cohort(client, headers, itinerary["id"], starts_on)
    db.session.rollback()
    (entity,) = make_entities(make_user, 1, members=1)
    client.post(
        f"/api/v1/cohorts/{cohort['id']}/entities", json={"entity_id": entity.id}, headers=headers
    )
    db.session.rollback()
    newcomer = make_user("learner", name="Nova sòcia")
    with Listener(enrolment_changed, lambda e, **kw: (e.user_id, kw["reason"].value)) as changes:
        r = client.post(
            f"/api/v1/entities/{entity.id}/members",
            json={"user_id": newcomer.id, "role": "member"},
            headers=headers,
        )
    assert r.status_code == 201
    told = changes.calls
    assert told.count((newcomer.id, "enrolled")) == 8  # 4 cohort-wide + 4 of its own
    r = client.delete(f"/api/v1/entities/{entity.id}/members/{newcomer.id}", headers=headers)
    assert r.status_code == 204
    db.session.rollback()
    states = db.session.scalars(
        sa.select(Enrolment.state).where(Enrolment.user_id == newcomer.id)
    ).all()
    assert len(states) == 8 and set(states) == {EnrolmentState.removed}
    # A new referent takes over; the old one stays a member.
    r = client.post(
        f"/api/v1/entities/{entity.id}/members",
        json={"user_id": newcomer.id, "role": "referent"},
        headers=headers,
    )
    assert r.json["referent"]["id"] == newcomer.id
    assert [m["role"] for m in r.json["members"]] == ["member", "referent"]
