"""Attendance: marks, the pre-fill from room joins, the sheet, the API route, permissions,
the CSV and the certificate."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from courses.attendance import operations, queries
from courses.attendance.models import AttendanceMark, AttendanceSource
from courses.workshops import operations as workshop_operations
from courses.workshops.models import Attendance, Enrolment
from lms.db import db, utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound

STATUSES = [s.value for s in Attendance]


def seat(workshop, person) -> Enrolment:
    db.session.rollback()
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.user_id == person.id)
        .execution_options(populate_existing=True)
    )


def mark_of(workshop, person) -> AttendanceMark | None:
    return db.session.get(AttendanceMark, seat(workshop, person).id, populate_existing=True)


def put(client, headers, workshop_id, user_id, body):
    return client.put(
        f"/api/v1/workshops/{workshop_id}/attendance/{user_id}", json=body, headers=headers
    )


# --- every status change --------------------------------------------------------------------


@pytest.mark.parametrize("before", [None, *STATUSES])
@pytest.mark.parametrize("after", STATUSES)
def test_every_status_change_through_the_api(before, after, make_held_workshop, client, api_token):
    # From no mark or any status to any status: the API sets it, with who marked it and when.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    trainer = workshop.trainer
    headers = api_token(trainer)
    called = utcnow()  # an unchanged status keeps the time of its earlier mark
    if before:
        operations.mark(workshop.id, ana.id, Attendance(before), by=trainer)
        db.session.commit()
    response = put(client, headers, workshop.id, ana.id, {"status": after})
    answered = utcnow()
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == after and body["user_id"] == ana.id
    assert body["source"] == "trainer"
    assert body["marked_by"] == {"id": trainer.id, "name": trainer.name}
    assert seat(workshop, ana).attendance is Attendance(after)
    mark = mark_of(workshop, ana)
    assert mark.source is AttendanceSource.trainer and mark.marked_by_id == trainer.id
    assert called <= mark.marked_at <= answered


def test_a_coordinator_may_mark_any_workshop(make_held_workshop, make_user, client, api_token):
    # The contract: its trainer or a coordinator.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    coordinator = make_user("coordinator")
    response = put(client, api_token(coordinator), workshop.id, ana.id, {"status": "late"})
    assert response.status_code == 200
    assert mark_of(workshop, ana).marked_by_id == coordinator.id


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad status", 422, "invalid_status"),
        ("missing status", 422, "missing"),
        ("not json", 400, "bad_json"),
        ("unknown person", 404, "unknown_person"),
        ("unknown workshop", 404, "not_found"),
        ("waiting", 409, "not_enrolled"),
        ("withdrawn", 409, "not_enrolled"),
        ("never enrolled", 409, "not_enrolled"),
        ("not started", 409, "not_started"),
        ("cancelled", 409, "cancelled"),
        ("learner", 403, "forbidden"),
        ("other trainer", 403, "forbidden"),
        ("no token", 401, "unauthorized"),
    ],
)
def test_api_refusals_are_json_4xx(
    case, status, code, make_held_workshop, make_workshop, make_user, client, api_token
):
    # Every refusal is a 4xx with a JSON error and a clear code, and writes nothing.
    workshop, (ana,), (wen,) = make_held_workshop(seated=1, waiting=1)
    headers = api_token(workshop.trainer)
    workshop_id, user_id, body = workshop.id, ana.id, {"status": "present"}
    if case == "bad status":
        body = {"status": "asleep"}
    elif case == "missing status":
        body = {}
    elif case == "unknown person":
        user_id = 999_999
    elif case == "unknown workshop":
        workshop_id = 999_999
    elif case == "waiting":
        user_id = wen.id
    elif case == "withdrawn":
        workshop_operations.withdraw(workshop.id, ana.id)
        db.session.commit()
    elif case == "never enrolled":
        user_id = make_user().id
    elif case == "not started":
        future = make_workshop(trainer=workshop.trainer)
        workshop_operations.enrol(future.id, ana)
        db.session.commit()
        workshop_id = future.id
    elif case == "cancelled":
        workshop_operations.cancel_workshop(workshop.id)
        db.session.commit()
    elif case == "learner":
        headers = api_token(ana)
    elif case == "other trainer":
        headers = api_token(make_user("trainer"))
    elif case == "no token":
        headers = {}
    if case == "not json":
        response = client.put(
            f"/api/v1/workshops/{workshop_id}/attendance/{user_id}",
            data="present",
            headers=headers,
        )
    else:
        response = put(client, headers, workshop_id, user_id, body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceMark)) == 0


def test_marking_someone_not_enrolled_says_why(make_held_workshop, make_user):
    # The operation refuses with a message naming the rule, and a 404 for nobody at all.
    workshop, _people, (wen,) = make_held_workshop(seated=1, waiting=1)
    with pytest.raises(Conflict, match="only enrolled people"):
        operations.mark(workshop.id, wen.id, Attendance.present, by=workshop.trainer)
    db.session.rollback()
    with pytest.raises(NotFound):
        operations.mark(workshop.id, 999_999, Attendance.present, by=workshop.trainer)
    db.session.rollback()
    with pytest.raises(Forbidden):
        operations.mark(workshop.id, wen.id, Attendance.present, by=make_user("trainer"))
    db.session.rollback()
    with pytest.raises(DomainError):
        Attendance.parse("PRESENT", "status")


def test_marking_many_is_all_or_nothing(make_held_workshop, make_user):
    # One person who holds no seat makes the whole save fail, and nothing is written.
    workshop, (ana, ben), _ = make_held_workshop(seated=2)
    stranger = make_user()
    with pytest.raises(Conflict):
        operations.mark_many(
            workshop.id,
            {ana.id: Attendance.present, stranger.id: Attendance.absent, ben.id: Attendance.late},
            by=workshop.trainer,
        )
    db.session.rollback()
    assert seat(workshop, ana).attendance is None and seat(workshop, ben).attendance is None


# --- pre-fill from room joins ---------------------------------------------------------------


def test_joins_prefill_present_from_the_room(make_held_workshop):
    # Enrolled people who joined (within the window) are pre-filled present, source room;
    # a join long before the start, a waiting person's join and nobody else count for nothing.
    workshop, (ana, ben, cai), (wen,) = make_held_workshop(seated=3, waiting=1)
    start = workshop.starts_at
    db.session.add_all(
        [
            operations.RoomJoin(workshop_id=workshop.id, user_id=ana.id, joined_at=start),
            operations.RoomJoin(
                workshop_id=workshop.id, user_id=ana.id, joined_at=start + timedelta(minutes=3)
            ),
            operations.RoomJoin(
                workshop_id=workshop.id, user_id=ben.id, joined_at=start - timedelta(hours=3)
            ),
            operations.RoomJoin(workshop_id=workshop.id, user_id=wen.id, joined_at=start),
        ]
    )
    db.session.commit()
    assert operations.prefill_from_joins(workshop.id) == 1
    db.session.commit()
    assert seat(workshop, ana).attendance is Attendance.present
    mark = mark_of(workshop, ana)
    assert mark.source is AttendanceSource.room and mark.marked_by_id is None
    assert seat(workshop, ben).attendance is None and seat(workshop, cai).attendance is None
    assert seat(workshop, wen).attendance is None
    # Idempotent: a second pass changes nothing.
    assert operations.prefill_from_joins(workshop.id) == 0


def test_prefill_never_overwrites_a_trainers_mark(make_held_workshop):
    # The trainer said absent (the person opened the room but never really attended): it stays.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    operations.mark(workshop.id, ana.id, Attendance.absent, by=workshop.trainer)
    operations.record_join(workshop.id, ana.id)
    db.session.commit()
    assert operations.prefill_from_joins(workshop.id) == 0
    db.session.commit()
    assert seat(workshop, ana).attendance is Attendance.absent
    assert mark_of(workshop, ana).source is AttendanceSource.trainer


def test_a_join_after_the_start_prefills_at_once(make_held_workshop):
    # Joining through /join once the workshop has started marks the person present at once.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    operations.record_join(workshop.id, ana.id)
    db.session.commit()
    assert seat(workshop, ana).attendance is Attendance.present
    assert mark_of(workshop, ana).source is AttendanceSource.room


def test_an_early_join_is_shown_on_the_sheet_and_marked_when_saved(
    make_workshop, make_user, client, login
):
    # Joining before the start marks nothing; after the start the sheet shows the person
    # pre-filled from the room but reading it writes nothing (state changes only on POST);
    # saving the sheet as shown marks them present.
    workshop = make_workshop()
    ana = make_user()
    workshop_operations.enrol(workshop.id, ana)
    operations.record_join(workshop.id, ana.id, at=workshop.starts_at - timedelta(minutes=5))
    db.session.commit()
    assert seat(workshop, ana).attendance is None
    login(workshop.trainer)
    assert client.get(f"/workshops/{workshop.id}/attendance").status_code == 200
    assert seat(workshop, ana).attendance is None  # not started yet: nothing to pre-fill
    now = utcnow().replace(microsecond=0)
    workshop_operations.update_workshop(
        workshop.id, starts_at=now - timedelta(minutes=4), ends_at=now + timedelta(minutes=56)
    )
    db.session.commit()
    # The join was five minutes before the old start: date it two minutes before the new one.
    db.session.execute(sa.update(operations.RoomJoin).values(joined_at=now - timedelta(minutes=6)))
    db.session.commit()
    for _ in range(2):
        page = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
        assert "From the room" in page
        assert re.search(rf'name="status-{ana.id}"[^>]*value="present"[^>]*checked', page) or (
            re.search(rf'checked[^>]*name="status-{ana.id}"[^>]*value="present"', page)
        ), page
    assert seat(workshop, ana).attendance is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceMark)) == 0
    response = client.post(
        f"/workshops/{workshop.id}/attendance", data={f"status-{ana.id}": "present"}
    )
    assert response.status_code == 303
    assert seat(workshop, ana).attendance is Attendance.present


# --- mark all present, and the sheet --------------------------------------------------------


def test_mark_all_present_keeps_the_trainers_marks_and_confirms_the_room(make_held_workshop):
    # Everyone not yet marked by a person becomes present; an absent stays absent; a room
    # mark becomes the trainer's.
    workshop, (ana, ben, cai), _ = make_held_workshop(seated=3)
    trainer = workshop.trainer
    operations.record_join(workshop.id, ana.id)
    operations.mark(workshop.id, ben.id, Attendance.absent, by=trainer)
    db.session.commit()
    assert operations.mark_all_present(workshop.id, by=trainer) == 2
    db.session.commit()
    assert [seat(workshop, p).attendance for p in (ana, ben, cai)] == [
        Attendance.present,
        Attendance.absent,
        Attendance.present,
    ]
    assert mark_of(workshop, ana).source is AttendanceSource.trainer
    assert operations.mark_all_present(workshop.id, by=trainer) == 0


def test_the_sheet_marks_all_present_then_the_exceptions(make_held_workshop, client, login):
    # The trainer's one screen: mark all present, then set one absent and one late and save.
    workshop, (ana, ben, cai), _ = make_held_workshop(seated=3)
    login(workshop.trainer)
    page = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert "Mark all present" in page and ana.name in page
    response = client.post(f"/workshops/{workshop.id}/attendance/all-present")
    assert response.status_code == 303
    assert "3 people marked present." in client.get(response.location).get_data(as_text=True)
    response = client.post(
        f"/workshops/{workshop.id}/attendance",
        data={
            f"status-{ana.id}": "present",
            f"status-{ben.id}": "absent",
            f"status-{cai.id}": "late",
        },
    )
    assert response.status_code == 303
    assert [seat(workshop, p).attendance.value for p in (ana, ben, cai)] == [
        "present",
        "absent",
        "late",
    ]
    page = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert "Attendance saved." in page and "Marked by" in page


def test_the_sheet_refuses_before_the_start_and_bad_values(
    make_workshop, make_held_workshop, make_user, client, login
):
    # Before the start the sheet says so and saving is refused; an unknown status is refused.
    future = make_workshop()
    ana = make_user()
    workshop_operations.enrol(future.id, ana)
    db.session.commit()
    login(future.trainer)
    page = client.get(f"/workshops/{future.id}/attendance").get_data(as_text=True)
    assert "Attendance can be taken once the workshop has started." in page
    response = client.post(
        f"/workshops/{future.id}/attendance", data={f"status-{ana.id}": "present"}
    )
    assert response.status_code == 303
    assert "once the workshop has started" in client.get(response.location).get_data(as_text=True)
    assert seat(future, ana).attendance is None
    held, (ben,), _ = make_held_workshop(seated=1, trainer=future.trainer)
    response = client.post(f"/workshops/{held.id}/attendance", data={f"status-{ben.id}": "gone"})
    assert "must be one of: present, late, absent, excused" in client.get(
        response.location
    ).get_data(as_text=True)
    assert seat(held, ben).attendance is None


def test_the_sheet_needs_its_csrf_token(make_held_workshop, make_app, login):
    # With CSRF on (as in production), a post without the token changes nothing.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login(workshop.trainer, client=client)
    assert client.post(f"/workshops/{workshop.id}/attendance/all-present").status_code == 400
    response = client.post(
        f"/workshops/{workshop.id}/attendance", data={f"status-{ana.id}": "absent"}
    )
    assert response.status_code == 400
    assert seat(workshop, ana).attendance is None


# --- permissions ----------------------------------------------------------------------------

MANAGED = [
    "/workshops/{id}/attendance",
    "/workshops/{id}/attendance.csv",
]


@pytest.mark.parametrize("path", MANAGED)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("learner", 403),
        ("other trainer", 403),
        ("trainer", 200),
        ("coordinator", 200),
    ],
)
def test_sheet_and_csv_belong_to_the_trainer_and_coordinators(
    path, who, status, make_held_workshop, make_user, client, login
):
    # Its trainer and coordinators only; anonymous people are sent to sign in.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    person = {
        "anonymous": None,
        "learner": ana,
        "other trainer": make_user("trainer"),
        "trainer": workshop.trainer,
        "coordinator": make_user("coordinator"),
    }[who]
    if person:
        login(person)
    response = client.get(path.format(id=workshop.id))
    assert response.status_code == status
    if who == "anonymous":
        assert "/sign-in" in response.location
    for post in ("/workshops/{id}/attendance", "/workshops/{id}/attendance/all-present"):
        code = client.post(post.format(id=workshop.id)).status_code
        assert code == (303 if status == 200 else status)
    # Only an accepted "all present" marks the learner; a refused one stores nothing.
    assert seat(workshop, ana).attendance is (Attendance.present if status == 200 else None)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/me/attendance", {"learner", "trainer", "coordinator"}),
        ("/teaching/attendance", {"trainer", "coordinator"}),
        ("/reports", {"coordinator"}),
        ("/reports/attendance.csv", {"coordinator"}),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "coordinator"])
def test_pages_by_role(path, allowed, role, make_user, client, login):
    # Every page for the roles it serves; the others are refused, anonymous sent to sign in.
    if role != "anonymous":
        login(make_user(role))
    response = client.get(path)
    if role == "anonymous":
        assert response.status_code == 302 and "/sign-in" in response.location
    else:
        assert response.status_code == (200 if role in allowed else 403)


def test_a_learner_sees_only_their_own_history(make_held_workshop, make_user, client, login):
    # /me/attendance shows the learner's own marks, never another's workshops.
    mine, (ana, ben), _ = make_held_workshop(seated=2, title="Taller de Ana")
    other, (cai,), _ = make_held_workshop(seated=1, title="Taller de Cai")
    operations.mark(mine.id, ana.id, Attendance.late, by=mine.trainer)
    operations.mark(mine.id, ben.id, Attendance.absent, by=mine.trainer)
    operations.mark(other.id, cai.id, Attendance.present, by=other.trainer)
    db.session.commit()
    login(ana)
    page = client.get("/me/attendance").get_data(as_text=True)
    assert "Taller de Ana" in page and "Late" in page
    assert "Taller de Cai" not in page and "Absent" not in page
    assert "Certificate of attendance" in page


def test_a_trainer_sees_only_their_workshops(make_held_workshop, make_user, client, login):
    # /teaching/attendance lists the trainer's started workshops with their counts.
    mine, (ana, _ben), _ = make_held_workshop(seated=2, title="Mi taller")
    make_held_workshop(seated=1, title="Taller ajeno")
    operations.mark(mine.id, ana.id, Attendance.absent, by=mine.trainer)
    db.session.commit()
    tally = queries.tallies(mine.trainer_id)[0]
    assert (tally.enrolled, tally.counts["absent"], tally.unmarked) == (2, 1, 1)
    login(mine.trainer)
    page = client.get("/teaching/attendance").get_data(as_text=True)
    assert "Mi taller" in page and "Taller ajeno" not in page


def test_the_workshop_page_links_the_sheet_only_for_its_managers(
    make_held_workshop, make_user, client, login
):
    # The panel on the workshop page: the sheet for its trainer; a certificate for who came.
    workshop, (ana, ben), _ = make_held_workshop(seated=2)
    operations.mark(workshop.id, ana.id, Attendance.present, by=workshop.trainer)
    db.session.commit()
    url = f"/workshops/{workshop.id}"
    assert "Attendance sheet" not in client.get(url).get_data(as_text=True)
    login(ben)
    page = client.get(url).get_data(as_text=True)
    assert "Attendance sheet" not in page and "Certificate of attendance" not in page
    login(ana)
    assert "Certificate of attendance" in client.get(url).get_data(as_text=True)
    login(workshop.trainer)
    assert "Attendance sheet" in client.get(url).get_data(as_text=True)


# --- certificate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "status"),
    [("present", 200), ("late", 200), ("absent", 403), ("excused", 403), (None, 403)],
)
def test_certificate_only_for_who_came(mark, status, make_held_workshop, client, login):
    # A certificate for a workshop attended (present or late); 403 for any other mark.
    workshop, (ana,), _ = make_held_workshop(seated=1)
    if mark:
        operations.mark(workshop.id, ana.id, Attendance(mark), by=workshop.trainer)
        db.session.commit()
    login(ana)
    response = client.get(f"/workshops/{workshop.id}/certificate")
    assert response.status_code == status
    if status == 200:
        assert ana.name in response.get_data(as_text=True)


def test_certificate_is_personal_and_in_the_learners_language(
    make_held_workshop, make_user, client, login
):
    # Someone who held no seat gets 404; the learner reads it in their own language.
    workshop, (ana,), _ = make_held_workshop(seated=[make_user(locale="es", name="Ana Pérez")])
    operations.mark(workshop.id, ana.id, Attendance.present, by=workshop.trainer)
    db.session.commit()
    login(make_user())
    assert client.get(f"/workshops/{workshop.id}/certificate").status_code == 404
    assert client.get("/workshops/999999/certificate").status_code == 404
    login(ana)
    page = client.get(f"/workshops/{workshop.id}/certificate").get_data(as_text=True)
    assert "Certificado de asistencia" in page and "Ana Pérez" in page


# --- CSV ------------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_workshop_csv_has_the_funders_columns(make_held_workshop, make_user, client, login):
    # One row per seat: name, e-mail, entity (empty), workshop, local date and time, status,
    # first join; waiting people are not in it; formulas are defused.
    start = datetime(2026, 3, 17, 11, 0, tzinfo=UTC)  # 12:00 in Madrid
    people = [
        make_user(name="Ana Barreiro", email="ana@csv.test"),
        make_user(name="=HYPERLINK(1)", email="evil@csv.test"),
        make_user(name="Brais Otero", email="brais@csv.test"),
    ]
    workshop, _, (wen,) = make_held_workshop(
        seated=people, waiting=1, starts_at=start, title="Footer", topic="Web"
    )
    ana, _evil, brais = people
    operations.mark(workshop.id, ana.id, Attendance.present, by=workshop.trainer)
    operations.mark(workshop.id, brais.id, Attendance.absent, by=workshop.trainer)
    # Ana joined twice (the first join is the one shown); nobody else joined.
    for minutes in (7, 2):
        db.session.add(
            operations.RoomJoin(
                workshop_id=workshop.id,
                user_id=ana.id,
                joined_at=start + timedelta(minutes=minutes),
            )
        )
    db.session.commit()
    login(workshop.trainer)
    response = client.get(f"/workshops/{workshop.id}/attendance.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="attendance-workshop-{workshop.id}-2026-03-17.csv"'
    )
    rows = read_csv(response)
    trainer = workshop.trainer.name
    assert rows == [
        {
            "name": "'=HYPERLINK(1)",
            "email": "evil@csv.test",
            "entity": "",
            "workshop": "Footer",
            "topic": "Web",
            "trainer": trainer,
            "date": "2026-03-17",
            "start": "12:00",
            "timezone": "Europe/Madrid",
            "status": "",
            "first_joined": "",
            "minutes_in_room": "",
        },
        {
            "name": "Ana Barreiro",
            "email": "ana@csv.test",
            "entity": "",
            "workshop": "Footer",
            "topic": "Web",
            "trainer": trainer,
            "date": "2026-03-17",
            "start": "12:00",
            "timezone": "Europe/Madrid",
            "status": "present",
            "first_joined": "12:02",
            "minutes_in_room": "",
        },
        {
            "name": "Brais Otero",
            "email": "brais@csv.test",
            "entity": "",
            "workshop": "Footer",
            "topic": "Web",
            "trainer": trainer,
            "date": "2026-03-17",
            "start": "12:00",
            "timezone": "Europe/Madrid",
            "status": "absent",
            "first_joined": "",
            "minutes_in_room": "",
        },
    ]
    assert wen.email not in response.get_data(as_text=True)
