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
    api = client.get("/api/v1/me/export", headers=api_token(ana)).get_json()
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
    assert client.get("/api/v1/me/export").status_code == 401


def test_closing_an_account_erases_the_person_and_keeps_anonymous_figures(
    client, login, make_user, make_workshop, make_held_workshop, make_entity,
    make_calendar_token, api_token,
):  # fmt: skip
    # Given the password: the seat to come goes to the first waiting, the entity loses the
    # member, the feed address and tokens stop working, messages keep no address or text; the
    # past seat and its attendance still count; the person can no longer sign in.
    import sqlalchemy as sa

    from courses.workshops import operations
    from courses.workshops.models import Enrolment, EnrolmentState
    from lms.accounts.models import User
    from lms.notifications.models import OutboxMessage
    from tests.support import fresh

    ana, next_in_line = make_user(name="Ana Pérez"), make_user()
    address = ana.email
    past, _seated, _ = make_held_workshop(seated=[ana])
    from courses.attendance import operations as attendance
    from courses.workshops.models import Attendance

    attendance.mark(past.id, ana.id, Attendance.present, by=past.trainer)
    coming = make_workshop(capacity=1)
    operations.enrol(coming.id, db.session.merge(ana))
    operations.enrol(coming.id, db.session.merge(next_in_line))
    db.session.commit()
    entity = make_entity(name="Cooperativa Sol", members=[ana, make_user()])
    feed = make_calendar_token(ana)
    headers = api_token(ana)
    login(ana)
    marks = client.get("/profile/data.json").get_json()["attendance"]["marks"]
    assert [(m["workshop_id"], m["source"]) for m in marks] == [(past.id, "trainer")]
    refused = client.post("/profile/close", data={"password": "not it"})
    assert refused.status_code == 422 and fresh(ana).email == address  # nothing erased
    closed = client.post("/profile/close", data={"password": "correct horse battery"})
    assert closed.status_code == 303
    db.session.rollback()  # the test's own snapshot ends: read what the request wrote

    gone = db.session.get(User, ana.id, populate_existing=True)
    assert gone.name == "—" and address not in gone.email
    seat = lambda w, p: db.session.scalar(  # noqa: E731
        sa.select(Enrolment).where(Enrolment.workshop_id == w.id, Enrolment.user_id == p.id)
    )
    assert seat(coming, next_in_line).state is EnrolmentState.enrolled  # the seat passed on
    assert seat(past, ana).attendance is Attendance.present  # the past still counts
    assert ana.id not in {m.user_id for m in fresh(entity).memberships}
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient_id == ana.id)
    ).all()
    assert all(m.recipient_address == "" and m.payload == {} for m in messages)
    assert client.get(f"/calendar/{feed}.ics").status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert (
        client.post(
            "/sign-in", data={"email": ana.email, "password": "correct horse battery"}
        ).status_code
        != 302
    )


def test_the_api_erases_the_caller_given_the_password(client, make_user, api_token):
    from lms.accounts.models import User

    ana = make_user()
    headers = api_token(ana)
    assert (
        client.delete("/api/v1/me", headers=headers, json={"password": "nope"}).status_code == 422
    )
    assert (
        client.delete(
            "/api/v1/me", headers=headers, json={"password": "correct horse battery"}
        ).status_code
        == 204
    )
    assert db.session.get(User, ana.id, populate_existing=True).name == "—"
    assert client.get("/api/v1/me", headers=headers).status_code == 401
