"""The pages where trainers and coordinators plan workshops, keep the roster and open another
date for a waiting list; and what a waiting learner sees of it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from courses.signals import another_date_offered
from courses.workshops import operations, queries
from courses.workshops.models import Audience, Enrolment, EnrolmentState, Workshop
from lms.db import db, utcnow
from lms.notifications.models import OutboxMessage
from tests.support import count_queries, fresh

FORM = {
    "title": "Marketing de contenidos",
    "description": "Cómo contar lo que haces.",
    "topic": "Marketing",
    "day": "2030-04-02",
    "start": "12:00",
    "end": "13:00",
    "timezone": "Europe/Madrid",
    "capacity": "10",
}

PLANNING = [
    ("GET", "/workshops/{id}/edit"),
    ("POST", "/workshops/{id}/edit"),
    ("GET", "/workshops/{id}/cancel"),
    ("POST", "/workshops/{id}/cancel"),
    ("GET", "/workshops/{id}/roster"),
    ("POST", "/workshops/{id}/roster/{user}/remove"),
    ("POST", "/workshops/{id}/roster/{user}/give-seat"),
    ("GET", "/workshops/{id}/another-date"),
    ("POST", "/workshops/{id}/another-date"),
]


def _state(workshop_id, user_id):
    db.session.rollback()
    return db.session.scalar(
        sa.select(Enrolment.state).where(
            Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id
        )
    )


def _a_week_away_at_ten() -> datetime:
    """10:00 in Madrid a week from today: an hour that ends on the day it starts, whatever the
    hour the suite runs at (a workshop starting at 23:30 ends the next day, which the edit
    form's one day and two clock times cannot say)."""
    day = (utcnow() + timedelta(days=7)).astimezone(ZoneInfo("Europe/Madrid")).date()
    return datetime.combine(day, time(10), ZoneInfo("Europe/Madrid")).astimezone(UTC)


@pytest.mark.parametrize("method,path", PLANNING)
@pytest.mark.parametrize(
    "role,status", [("anonymous", 302), ("learner", 403), ("other_trainer", 403)]
)
def test_planning_pages_are_for_its_trainer_and_coordinators(
    client, make_workshop, make_user, login, method, path, role, status
):
    # Nobody else can open or post a planning page: sign in first, or a 403, and nothing moves.
    workshop = make_workshop(capacity=1)
    learner = make_user()
    operations.enrol(workshop.id, learner)
    db.session.commit()
    if role != "anonymous":
        login(make_user("trainer" if role == "other_trainer" else "learner"))
    url = path.format(id=workshop.id, user=learner.id)
    response = client.open(url, method=method, data=FORM)
    assert response.status_code == status
    if status == 302:
        assert "/sign-in" in response.headers["Location"]
    workshop = fresh(workshop)
    assert (workshop.status.value, workshop.capacity, workshop.enrolled_count) == (
        "scheduled",
        1,
        1,
    )
    # Nor was another date opened (or any workshop made) by a refused post.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 1
    assert _state(workshop.id, learner.id) is EnrolmentState.enrolled


def test_a_refusal_is_a_translated_page(client, make_workshop, make_user, login):
    # A 403 reads in the person's language.
    workshop = make_workshop()
    login(make_user(locale="es"))
    response = client.get(f"/workshops/{workshop.id}/roster")
    assert response.status_code == 403
    assert "No tienes permiso para hacer eso." in response.get_data(as_text=True)


def test_a_trainer_creates_a_workshop_in_its_zone(client, make_user, login):
    # The form's times are read in the chosen zone and stored in UTC; the trainer teaches it.
    trainer = login(make_user("trainer"))
    assert "New workshop" in client.get("/").get_data(as_text=True)
    assert client.get("/workshops/new").status_code == 200
    response = client.post("/workshops/new", data=FORM)
    assert response.status_code == 303
    db.session.rollback()
    workshop = db.session.scalar(sa.select(Workshop))
    assert response.headers["Location"].endswith(f"/workshops/{workshop.id}")
    assert workshop.starts_at.isoformat() == "2030-04-02T10:00:00+00:00"
    assert (workshop.trainer_id, workshop.capacity, workshop.topic) == (trainer.id, 10, "Marketing")


def test_the_form_refuses_bad_input_with_messages(client, make_user, login):
    # An end before the start or a zero capacity is a 422 with the form and its messages.
    login(make_user("trainer", locale="ca"))
    response = client.post("/workshops/new", data=FORM | {"end": "11:00", "capacity": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nou taller" in page
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == 0


def test_a_coordinator_plans_for_a_trainer(client, make_user, login):
    # A coordinator names who teaches it.
    trainer = make_user("trainer", name="Uxía")
    login(make_user("coordinator"))
    assert "Uxía" in client.get("/workshops/new").get_data(as_text=True)
    assert (
        client.post("/workshops/new", data=FORM | {"trainer_id": str(trainer.id)}).status_code
        == 303
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(Workshop.trainer_id)) == trainer.id


def test_editing_capacity_fills_seats_and_refuses_going_below(
    client, make_workshop, make_user, login
):
    # Raising the capacity seats those waiting; going below the seated is refused, plainly.
    workshop = make_workshop(capacity=1, starts_at=_a_week_away_at_ten())
    people = [make_user() for _ in range(3)]
    for person in people:
        operations.enrol(workshop.id, person)
    db.session.commit()
    login(workshop.trainer)
    page = client.get(f"/workshops/{workshop.id}/edit").get_data(as_text=True)
    assert 'value="Cómo mejorar el footer de tu web"' in page
    local = workshop.starts_at.astimezone(workshop.zone)
    data = FORM | {
        "day": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"),
        "capacity": "2",
    }
    assert client.post(f"/workshops/{workshop.id}/edit", data=data).status_code == 303
    assert _state(workshop.id, people[1].id) is EnrolmentState.enrolled
    response = client.post(f"/workshops/{workshop.id}/edit", data=data | {"capacity": "1"})
    assert response.status_code == 409
    assert "cannot go below" in response.get_data(as_text=True)
    assert fresh(workshop).capacity == 2


def test_cancel_asks_first_then_cancels(client, make_workshop, make_user, login):
    # Cancelling shows what it means first; the POST cancels and enrolment closes.
    workshop = make_workshop()
    login(make_user("coordinator"))
    page = client.get(f"/workshops/{workshop.id}/cancel").get_data(as_text=True)
    assert "Yes, cancel the workshop" in page and "This cannot be undone." in page
    response = client.post(f"/workshops/{workshop.id}/cancel", follow_redirects=True)
    assert "The workshop has been cancelled." in response.get_data(as_text=True)
    assert fresh(workshop).is_cancelled


def test_roster_shows_order_and_removes_or_gives_a_seat(client, make_workshop, make_user, login):
    # The roster shows the waiting list in order; removing a seated person seats the first
    # waiting; "give a seat" seats someone out of turn by adding a seat.
    workshop = make_workshop(capacity=1)
    ana, ben, cai, dia = (make_user(name=n) for n in ("Ana", "Ben", "Cai", "Día"))
    for person in (ana, ben, cai, dia):
        operations.enrol(workshop.id, person)
    db.session.commit()
    login(workshop.trainer)
    page = client.get(f"/workshops/{workshop.id}/roster").get_data(as_text=True)
    assert page.index("Ben") < page.index("Cai") < page.index("Día")
    client.post(f"/workshops/{workshop.id}/roster/{ana.id}/remove")
    assert _state(workshop.id, ana.id) is EnrolmentState.removed
    assert _state(workshop.id, ben.id) is EnrolmentState.enrolled
    response = client.post(f"/workshops/{workshop.id}/roster/{dia.id}/give-seat")
    assert response.status_code == 303
    assert _state(workshop.id, dia.id) is EnrolmentState.enrolled
    assert (fresh(workshop).capacity, fresh(workshop).enrolled_count) == (2, 2)
    page = client.post(
        f"/workshops/{workshop.id}/roster/{dia.id}/give-seat", follow_redirects=True
    ).get_data(as_text=True)
    assert "That person is not on the waiting list." in page


def test_manage_links_only_for_its_trainer_and_coordinators(
    client, make_workshop, make_user, login
):
    # The workshop page's manage panel appears to its trainer and coordinators only.
    workshop = make_workshop()
    url = f"/workshops/{workshop.id}"
    assert "Manage this workshop" not in client.get(url).get_data(as_text=True)
    login(make_user("trainer"))
    assert "Manage this workshop" not in client.get(url).get_data(as_text=True)
    login(workshop.trainer)
    assert "Manage this workshop" in client.get(url).get_data(as_text=True)


def test_only_learners_enrol_on_the_web(client, make_workshop, make_user, login):
    # A trainer sees no "enrol" button and cannot post one.
    workshop = make_workshop()
    login(make_user("trainer"))
    assert ">Enrol<" not in client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert client.post(f"/workshops/{workshop.id}/enrol").status_code == 403


def test_another_date_is_offered_to_the_waiting_list_in_order(
    client, make_workshop, make_user, login
):
    # A new date copies the workshop, joins it to one course, and is announced with the
    # waiting list in order; a waiting learner sees it and takes it, leaving the first list.
    workshop = make_workshop(capacity=1)
    ana, ben, cai = make_user(), make_user(), make_user()
    for person in (ana, ben, cai):
        operations.enrol(workshop.id, person)
    db.session.commit()
    heard = []
    login(make_user("coordinator"))
    day = (utcnow() + timedelta(days=14)).date().isoformat()
    with another_date_offered.connected_to(
        lambda new, **kw: heard.append(
            (new.id, kw["original"].id, [e.user_id for e in kw["enrolments"]])
        )
    ):
        response = client.post(
            f"/workshops/{workshop.id}/another-date",
            data={"day": day, "start": "18:00", "end": "19:00", "capacity": "1"},
        )
    assert response.status_code == 303
    db.session.rollback()
    new = db.session.scalar(sa.select(Workshop).where(Workshop.id != workshop.id))
    assert (new.title, new.offered_from_id, new.capacity) == (workshop.title, workshop.id, 1)
    assert new.course_id is not None and new.course_id == fresh(workshop).course_id
    assert heard == [(new.id, workshop.id, [ben.id, cai.id])]

    login(cai)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Another date has been opened" in page and "Take this date" in page
    client.post(f"/workshops/{new.id}/take")
    assert _state(new.id, cai.id) is EnrolmentState.enrolled
    assert _state(workshop.id, cai.id) is EnrolmentState.withdrawn
    client.post(f"/workshops/{new.id}/take")  # taking it again changes nothing
    assert db.session.scalar(sa.select(sa.func.count()).where(Enrolment.user_id == cai.id)) == 2

    login(ben)
    page = client.post(f"/workshops/{new.id}/take", follow_redirects=True).get_data(as_text=True)
    assert "This date is full too" in page
    assert _state(new.id, ben.id) is EnrolmentState.waitlisted
    assert queries.place(workshop.id, ben.id).enrolment.state is EnrolmentState.withdrawn

    login(ana)  # holds a seat in the first date: the offer is not for her
    page = client.post(f"/workshops/{new.id}/take", follow_redirects=True).get_data(as_text=True)
    assert "offered to the waiting list only" in page
    assert _state(new.id, ana.id) is None


def test_an_offer_cannot_be_taken_from_a_plain_workshop(client, make_workshop, make_user, login):
    # Only a date opened for a waiting list can be "taken".
    workshop = make_workshop()
    login(make_user())
    page = client.post(f"/workshops/{workshop.id}/take", follow_redirects=True)
    assert "There is no such offer." in page.get_data(as_text=True)


def test_a_refused_enrolment_is_told_in_the_learners_language(
    client, make_workshop, make_user, login
):
    # A refusal from the rules (here: a cancelled workshop) is flashed in Catalan to a Catalan.
    workshop = make_workshop()
    operations.cancel_workshop(workshop.id)
    db.session.commit()
    login(make_user(locale="ca"))
    response = client.post(f"/workshops/{workshop.id}/enrol")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aquest taller s&#39;ha cancel·lat." in page or "Aquest taller s'ha cancel·lat." in page


def test_healthz_answers_ok_without_the_database(client):
    # The load balancers' probe (and the benchmark's ceiling) is a plain "ok".
    with count_queries() as statements:
        response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert statements == []


def test_a_workshop_page_shows_its_time_once_in_the_readers_zone(
    client, make_workshop, make_user, login
):
    # Issue 19: the time was shown twice when reader and workshop share a zone; a reader in
    # another zone still sees the time where the workshop happens.
    workshop = make_workshop(timezone="Europe/Madrid")
    login(make_user(timezone="Europe/Madrid"))
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Europe/Madrid)" not in page
    login(make_user(timezone="America/Bogota"))
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Europe/Madrid)" in page


def test_saving_a_workshop_unchanged_tells_nobody(client, make_user, make_workshop, login):
    # A browser sends CRLF line ends: an unchanged save raises no SEQUENCE and sends no mail.
    trainer = make_user("trainer")
    starts_at = _a_week_away_at_ten()
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


def test_topics_are_picked_from_the_programmes_list_and_kept_as_it_spells_them(
    client, make_user, login, make_workshop, make_programme, api_token
):
    # The form suggests the topics the trainer's programme already uses (not another's); a
    # topic typed in another case or with extra spaces is kept as the programme spells it, on
    # the page and in the API alike; in another programme it is a topic of its own.
    other = make_programme(name="Outro programa")
    make_workshop(topic="Marketing digital")
    make_workshop(topic="Contabilidade", programme_id=other.id)
    trainer = login(make_user("trainer"))
    page = client.get("/workshops/new").get_data(as_text=True)
    suggested = page.split('<datalist id="topic-suggestions">')[1].split("</datalist>")[0]
    assert '<option value="Marketing digital">' in suggested
    assert "Contabilidade" not in suggested
    assert (
        client.post("/workshops/new", data=FORM | {"topic": " marketing   DIGITAL "}).status_code
        == 303
    )
    body = {"title": "T", "starts_at": "2030-04-02T10:00:00", "ends_at": "2030-04-02T11:00:00",
            "topic": "MARKETING digital"}  # fmt: skip
    assert (
        client.post("/api/v1/workshops", json=body, headers=api_token(trainer)).status_code == 201
    )
    start = datetime(2030, 4, 2, 10, tzinfo=UTC)
    made = operations.create_workshop(
        trainer=trainer, title="Noutro", topic="marketing  digital", programme_id=other.id,
        starts_at=start, ends_at=start + timedelta(hours=1), timezone="Europe/Madrid",
    )  # fmt: skip
    db.session.commit()
    assert made.topic == "marketing digital"
    topics = db.session.scalars(
        sa.select(Workshop.topic).where(Workshop.programme_id != other.id).order_by(Workshop.id)
    )
    assert list(topics) == ["Marketing digital"] * 3
    first = db.session.scalar(sa.select(Workshop).order_by(Workshop.id.desc()).limit(1))
    operations.update_workshop(first.id, topic="CONTABILIDADE")
    db.session.commit()
    assert fresh(first).topic == "Contabilidade"  # the programme's own spelling
