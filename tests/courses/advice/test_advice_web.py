"""The advice desk's pages: the intake form, booking a slot, the advisor's desk, the
coordinators' view, and who reaches each (the same permissions as the API)."""

from __future__ import annotations

import pytest

from courses.advice import operations
from courses.advice.models import Case, CaseState, Consultation
from lms.db import db
from tests.advice_fixtures import count, free
from tests.support import fresh

pytest_plugins = ["tests.advice_fixtures"]  # desk, advice_people

ROLES = ("anonymous", "learner", "requester", "advisor", "other_advisor", "coordinator")
OK, HIDDEN, REFUSED, SIGN_IN = 200, 404, 403, 302

PAGES = [
    ("/advice", (OK, OK, OK, OK, OK, OK)),
    ("/advice/mine", (SIGN_IN, OK, OK, OK, OK, OK)),
    ("/advice/requests/{case}", (SIGN_IN, HIDDEN, OK, OK, HIDDEN, OK)),
    ("/advice/desk", (SIGN_IN, REFUSED, REFUSED, OK, OK, OK)),
    ("/advice/coordination", (SIGN_IN, REFUSED, REFUSED, REFUSED, REFUSED, OK)),
    ("/advice/figures", (SIGN_IN, REFUSED, REFUSED, REFUSED, REFUSED, OK)),
    ("/advice/figures.csv", (SIGN_IN, REFUSED, REFUSED, REFUSED, REFUSED, OK)),
]


@pytest.fixture
def as_role(client, login, advice_people):
    def sign_in(role: str):
        if role != "anonymous":
            login(advice_people["people"][role])
        return client

    return sign_in


@pytest.mark.parametrize("path,statuses", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role(as_role, advice_people, role, path, statuses):
    # The case page is found by its requester, advisor and coordinators only; the desk by
    # trainers and coordinators; the coordination and figures by coordinators.
    client = as_role(role)
    response = client.get(path.format(case=advice_people["case"].id))
    assert response.status_code == statuses[ROLES.index(role)]


def test_the_intake_form_routes_the_request_and_offers_slots(client, login, desk, make_user):
    # A learner fills in the form: the case is routed to the topic's advisor and its page
    # offers that advisor's free slots to book.
    topic, (advisor,) = desk()
    person = login(make_user())
    response = client.post(
        "/advice/requests",
        data={"topic_id": topic.id, "need": "Quiero vender en línea", "urgency": "high",
              "consent": "y", "entity_id": "", "advisor_id": ""},
    )  # fmt: skip
    assert response.status_code == 303
    db.session.rollback()  # a new snapshot
    case = db.session.scalar(db.select(Case).where(Case.requester_id == person.id))
    assert case.advisor_id == advisor.id and case.state is CaseState.open
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    first = free(advisor.id)[0]
    assert f'value="{first.starts_at.isoformat()}"' in page


def test_the_intake_form_without_consent_keeps_nothing_and_says_why_in_spanish(
    client, login, desk, make_user
):
    # No consent: the form comes back with the reason in the person's language, no case.
    topic, _ = desk()
    login(make_user(locale="es"))
    response = client.post(
        "/advice/requests", data={"topic_id": topic.id, "need": "Web", "urgency": "normal"}
    )
    assert response.status_code == 422
    assert "Acepta el uso de tu solicitud" in response.get_data(as_text=True)
    assert count(Case) == 0


def test_booking_from_the_page_and_a_taken_slot(client, login, advice_people, make_user):
    # The requester books a slot from the case page; a slot taken meanwhile is refused with
    # a message and the page still offers the next free ones.
    case, people = advice_people["case"], advice_people["people"]
    first, second = free(case.advisor_id)[:2]
    other = operations.create_request(
        make_user(), topic_id=case.topic_id, need="Web", consent=True, advisor_id=case.advisor_id
    )
    operations.book(other.id, first.starts_at)
    db.session.commit()
    login(people["requester"])
    taken = client.post(
        f"/advice/requests/{case.id}/book", data={"starts_at": first.starts_at.isoformat()}
    )
    assert taken.status_code == 303
    page = client.get(f"/advice/requests/{case.id}").get_data(as_text=True)
    assert "That time is no longer free" in page
    assert f'value="{second.starts_at.isoformat()}"' in page
    assert f'value="{first.starts_at.isoformat()}"' not in page
    assert count(Consultation) == 1
    booked = client.post(
        f"/advice/requests/{case.id}/book", data={"starts_at": second.starts_at.isoformat()}
    )
    assert booked.status_code == 303
    assert fresh(case).booked.starts_at == second.starts_at


def test_the_advisor_sees_the_case_writes_notes_the_requester_never_reads(
    client, login, make_app, advice_people
):
    # The advisor's desk lists the case; their note shows on the case for them, not for
    # the requester.
    case, people = advice_people["case"], advice_people["people"]
    login(people["advisor"])
    assert f'data-case-id="{case.id}"' in client.get("/advice/desk").get_data(as_text=True)
    saved = client.post(f"/advice/requests/{case.id}/notes", data={"text": "Nota reservada"})
    assert saved.status_code == 303
    assert "Nota reservada" in client.get(f"/advice/requests/{case.id}").get_data(as_text=True)
    other = make_app().test_client()
    login(people["requester"], client=other)
    assert "Nota reservada" not in other.get(f"/advice/requests/{case.id}").get_data(as_text=True)


def test_the_advisor_saves_hours_from_the_desk(client, login, advice_people):
    # Hours typed in the desk's table become the advisor's weekly hours; bad ones are refused.
    advisor = advice_people["people"]["advisor"]
    login(advisor)
    data = {"timezone": "Europe/Madrid", "slot_minutes": "30",
            "start-2-0": "09:00", "end-2-0": "10:00", "days_off": ""}  # fmt: skip
    assert client.post(f"/advice/advisors/{advisor.id}/hours", data=data).status_code == 303
    hours = client.get(f"/api/v1/advice/advisors/{advisor.id}/hours")
    assert hours.status_code == 401  # the API reads no cookies
    from courses.advice import queries

    db.session.rollback()
    found = queries.get_advisor(advisor.id)
    assert found.slot_minutes == 30
    assert [(h.weekday, h.starts.isoformat("minutes"), h.ends.isoformat("minutes"))
            for h in found.hours] == [(2, "09:00", "10:00")]  # fmt: skip
    bad = data | {"end-2-0": "08:00"}
    client.post(f"/advice/advisors/{advisor.id}/hours", data=bad)
    db.session.rollback()
    assert [h.ends.isoformat("minutes") for h in queries.get_advisor(advisor.id).hours] == ["10:00"]


def test_the_coordinator_assigns_an_unassigned_request_and_adds_a_topic(
    client, login, desk, make_user
):
    # A request on a topic without advisors waits in the coordinators' view until one is
    # given; a coordinator adds a topic in four languages.
    topic, _ = desk(0)
    case = operations.create_request(make_user(), topic_id=topic.id, need="Web", consent=True)
    advisor = make_user("trainer")
    operations.update_topic(topic.id, advisor_ids=[advisor.id])
    db.session.commit()
    login(make_user("coordinator"))
    page = client.get("/advice/coordination").get_data(as_text=True)
    assert f'data-case-id="{case.id}"' in page.split('id="cases"')[0]
    client.post(f"/advice/requests/{case.id}/advisor", data={"advisor_id": advisor.id})
    assert fresh(case).advisor_id == advisor.id
    client.post(
        "/advice/topics",
        data={"name_es": "Redes", "name_ca": "Xarxes", "name_gl": "Redes", "name_en": "Social"},
    )
    listed = client.get("/api/v1/advice/topics", headers={"Accept-Language": "ca"}).get_json()
    assert "Xarxes" in [t["name"] for t in listed]


def test_an_entitys_page_shows_its_requests_to_whoever_may_see_them(
    client, login, make_app, desk, make_user
):
    # A member's request made for their entity shows on the entity's page, with its need
    # level, to the coordinator; another member who may see the entity but not the request
    # does not find it there.
    from courses.entities import operations as entities

    topic, _ = desk()
    asker, colleague = make_user(), make_user()
    entity = entities.create_entity(name="Cooperativa Mar de Arousa", kind="cooperative")
    entities.add_member(entity.id, db.session.merge(asker), "referent")
    entities.add_member(entity.id, db.session.merge(colleague), "member")
    db.session.commit()
    case = operations.create_request(
        db.session.merge(asker), topic_id=topic.id, need="Web", consent=True, entity_id=entity.id
    )
    operations.set_need_level(entity.id, operations.NeedLevel.first)
    db.session.commit()
    login(make_user("coordinator"))
    page = client.get(f"/entities/{entity.id}").get_data(as_text=True)
    assert f'data-case-id="{case.id}"' in page and "First: has an online shop" in page
    other = make_app().test_client()
    login(colleague, client=other)
    seen = other.get(f"/entities/{entity.id}")
    assert seen.status_code == 200 and f'data-case-id="{case.id}"' not in seen.get_data(
        as_text=True
    )


def test_the_advisor_proposes_a_time_and_the_requester_moves_it(
    client, login, make_app, advice_people
):
    # The advisor books a free time for the person who asked; that person moves it to
    # another free time from the same page (SEQUENCE rises through the reschedule).
    case, people = advice_people["case"], advice_people["people"]
    first, second = free(case.advisor_id)[:2]
    login(people["advisor"])
    page = client.get(f"/advice/requests/{case.id}").get_data(as_text=True)
    assert "Propose a time" in page
    proposed = client.post(
        f"/advice/requests/{case.id}/propose", data={"starts_at": first.starts_at.isoformat()}
    )
    assert proposed.status_code == 303
    booked = fresh(case).booked
    assert booked.starts_at == first.starts_at
    other = make_app().test_client()
    login(people["requester"], client=other)
    assert "Move the consultation" in other.get(f"/advice/requests/{case.id}").get_data(
        as_text=True
    )
    moved = other.post(
        f"/advice/consultations/{booked.id}/move", data={"starts_at": second.starts_at.isoformat()}
    )
    assert moved.status_code == 303
    booked = fresh(booked)
    assert booked.starts_at == second.starts_at and booked.sequence == 1
