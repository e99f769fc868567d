"""Rules that a review of the whole change found unguarded."""

from datetime import timedelta

import sqlalchemy as sa

from courses.workshops import operations
from courses.workshops.models import Audience
from lms.db import db, utcnow
from lms.notifications.models import OutboxMessage
from tests.support import fresh


def test_saving_a_workshop_unchanged_tells_nobody(client, make_user, make_workshop, login):
    # A browser sends CRLF line ends: an unchanged save raises no SEQUENCE and sends no mail.
    trainer = make_user("trainer")
    starts_at = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    workshop = make_workshop(trainer=trainer, description="Line one\nLine two", starts_at=starts_at)
    operations.enrol(workshop.id, make_user())
    db.session.commit()
    before = fresh(workshop).sequence
    mails = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    login(trainer)
    form = client.get(f"/workshops/{workshop.id}/edit").get_data(as_text=True)
    assert "Line one" in form
    local = workshop.starts_at.astimezone(workshop.zone)
    response = client.post(
        f"/workshops/{workshop.id}/edit",
        data={
            "title": workshop.title + " ",
            "description": "Line one\r\nLine two",
            "topic": workshop.topic,
            "day": local.date().isoformat(),
            "start": local.strftime("%H:%M"),
            "end": workshop.ends_at.astimezone(workshop.zone).strftime("%H:%M"),
            "timezone": workshop.timezone,
            "capacity": workshop.capacity,
        },
    )
    assert response.status_code == 303
    assert fresh(workshop).sequence == before
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == mails


def test_a_cohort_workshop_stays_hidden_from_outsiders_everywhere(
    client, make_user, make_workshop, api_token, login
):
    # An outsider gets 404 from the page, the API (enrolment included), the .ics and the room.
    workshop = make_workshop(audience=Audience.cohort)
    operations.cancel_workshop(workshop.id)  # a refusal must not reveal it either
    db.session.commit()
    outsider = make_user()
    headers = api_token(outsider)
    assert client.get(f"/api/v1/workshops/{workshop.id}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/workshops/{workshop.id}/enrolment", headers=headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/workshops/{workshop.id}/room", headers=headers).status_code == 404
    login(outsider)
    for path in (
        f"/workshops/{workshop.id}",
        f"/workshops/{workshop.id}.ics",
        f"/workshops/{workshop.id}/join",
    ):
        assert client.get(path).status_code == 404, path


def test_someone_who_left_a_cohort_workshop_no_longer_sees_it(
    client, make_user, make_workshop, login
):
    # Only a live place opens a cohort's workshop: a withdrawn person is an outsider again.
    workshop = make_workshop(audience=Audience.cohort)
    member = make_user()
    operations.enrol_member(workshop.id, member)
    db.session.commit()
    login(member)
    assert client.get(f"/workshops/{workshop.id}").status_code == 200
    operations.withdraw(workshop.id, member.id, removed=True)
    db.session.commit()
    assert client.get(f"/workshops/{workshop.id}").status_code == 404


def test_sign_up_is_rate_limited(make_app):
    # Each sign-up costs a password hash: it is limited like sign-in, on the web and the API.
    client = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute").test_client()
    codes = [
        client.post(
            "/api/v1/users",
            json={"email": f"x{i}@aula.test", "name": "X", "password": "longenough"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    web = [
        client.post(
            "/sign-up", data={"name": "Y", "email": f"y{i}@aula.test", "password": "longenough"}
        ).status_code
        for i in range(3)
    ]
    assert web[-1] == 429


def test_the_report_csv_holds_the_same_workshops_as_the_report(
    client, make_user, make_workshop, login
):
    # The CSV lists the seats of the workshops the report counts: held and public; never a
    # cohort's meetings nor a workshop still to come.
    from courses.workshops.operations import enrol_for_demo

    learner = make_user(name="Ana")
    past = utcnow().replace(microsecond=0) - timedelta(days=2)
    held = make_workshop(title="Held", starts_at=past)
    cohort = make_workshop(title="Cohort meeting", starts_at=past, audience=Audience.cohort)
    coming = make_workshop(title="Coming")
    for workshop in (held, cohort):
        enrol_for_demo(workshop.id, learner)
    operations.enrol(coming.id, learner)
    db.session.commit()
    login(make_user("coordinator"))
    day = lambda d: d.date().isoformat()  # noqa: E731
    args = f"from={day(past - timedelta(days=1))}&to={day(utcnow() + timedelta(days=30))}"
    page = client.get(f"/reports?{args}").get_data(as_text=True)
    csv = client.get(f"/reports/attendance.csv?{args}").get_data(as_text=True)
    assert "Held" in page and "Held" in csv
    for title in ("Cohort meeting", "Coming"):
        assert title not in page and title not in csv


def test_the_people_waiting_hear_of_another_date_in_order(make_user, make_workshop):
    # Opening another date writes to each person waiting, in their order and language, with
    # the way to take it (the first workshop's page); the seated hear nothing.
    from lms.notifications.operations import outgoing
    from tests.notify_fixtures import outbox

    workshop = make_workshop(capacity=1)
    seated, first, second = make_user(), make_user(locale="es"), make_user(locale="ca")
    for person in (seated, first, second):
        operations.enrol(workshop.id, person)
    db.session.commit()
    start = workshop.starts_at + timedelta(days=7)
    operations.open_another_date(workshop.id, starts_at=start, ends_at=start + timedelta(hours=1))
    db.session.commit()
    offers = outbox(kind="workshop.another_date")
    assert [m.recipient_id for m in offers] == [first.id, second.id]
    assert outgoing(offers[0]).subject.startswith("Otra fecha")
    assert outgoing(offers[1]).subject.startswith("Una altra data")
    assert f"http://aula.test/workshops/{workshop.id}" in outgoing(offers[0]).text
    assert not outgoing(offers[0]).calendar


def test_the_cohort_dashboard_costs_the_same_queries_whatever_its_size(client, make_user, login):
    # The office's dashboard loads each entity's members with the places, not one by one.
    from courses.cohorts import operations as cohorts
    from tests.cohort_fixtures import make_entities
    from tests.support import count_queries

    coordinator = make_user("coordinator")
    itinerary = cohorts.create_itinerary(
        name="Path",
        steps=[
            {
                "kind": "check-in",
                "title": "Check-in",
                "week": 1,
                "weekday": 2,
                "start_time": "10:00",
                "duration_minutes": 30,
            }
        ],
    )
    db.session.commit()

    def dashboard_queries(entities: int, prefix: str) -> int:
        cohort = cohorts.create_cohort(
            itinerary_id=itinerary.id,
            name=prefix,
            starts_on=utcnow().date() + timedelta(days=7),
            timezone="Europe/Madrid",
            referent=coordinator,
        )
        db.session.commit()
        for entity in make_entities(make_user, entities, members=3, prefix=prefix):
            cohorts.admit_entity(cohort.id, entity.id)
        db.session.commit()
        with count_queries() as statements:
            assert client.get(f"/cohorts/{cohort.id}").status_code == 200
        return len(statements)

    login(coordinator)
    assert dashboard_queries(2, "Small") == dashboard_queries(6, "Large")


def test_the_cohort_referent_opens_its_entities_and_waiting_ones_show_no_meetings(
    client, make_user, login
):
    # The dashboard links each entity to its page: the cohort's referent may open it; an
    # entity still waiting lists no meetings (its people are not enrolled in them yet).
    from courses.cohorts import operations as cohorts
    from tests.cohort_fixtures import make_entities

    referent = make_user("trainer")
    itinerary = cohorts.create_itinerary(
        name="Path",
        steps=[
            {
                "kind": "workshop",
                "title": "Kick-off",
                "week": 2,
                "weekday": 2,
                "start_time": "10:00",
                "duration_minutes": 60,
            }
        ],
    )
    cohort = cohorts.create_cohort(
        itinerary_id=itinerary.id,
        name="C",
        starts_on=utcnow().date(),
        timezone="Europe/Madrid",
        referent=referent,
        capacity=1,
    )
    db.session.commit()
    admitted, waiting = make_entities(make_user, 2)
    for entity in (admitted, waiting):
        cohorts.admit_entity(cohort.id, entity.id)
    db.session.commit()
    login(referent)
    assert "Kick-off" in client.get(f"/entities/{admitted.id}").get_data(as_text=True)
    page = client.get(f"/entities/{waiting.id}")
    assert page.status_code == 200
    assert "Kick-off" not in page.get_data(as_text=True)
    login(make_user("trainer"))
    assert client.get(f"/entities/{admitted.id}").status_code == 403


def test_an_operation_writes_even_after_others_committed_since_it_last_read(
    app, client, make_user, login
):
    # Outside a request (CLI, worker, a test), a session that has read keeps SQLite's old
    # snapshot; operations begin a write transaction first, so they never fail "locked".
    from lms.accounts.operations import create_user, issue_token

    reader = login(make_user("coordinator"))  # the test's session now holds a read snapshot
    assert reader.email
    assert client.post("/calendar/subscribe").status_code in (302, 303)  # another writer
    newcomer = create_user("late@aula.test", "Late", "longenough")
    issue_token(newcomer)
    db.session.commit()
    assert fresh(newcomer).email == "late@aula.test"
