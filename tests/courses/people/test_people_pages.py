"""The people pages: who may open them, the list and search, an account made by a
coordinator (and the mail it gets), roles, deactivation, enrolment on someone's behalf."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courses.people.models import StaffAction, StaffActionKind
from courses.workshops.models import Enrolment, EnrolmentState
from lms.accounts.models import Role, User
from lms.db import db
from lms.notifications.operations import outgoing
from tests.accounts_fixtures import mailed, sign_in
from tests.support import fresh

PAGES = [
    ("GET", "/people"),
    ("GET", "/people?q=a"),
    ("GET", "/people/new"),
    ("GET", "/people/{learner}"),
    ("GET", "/people/import"),
    ("GET", "/people/import/nosuchimport"),
    ("POST", "/people/new"),
    ("POST", "/people/{learner}/role"),
    ("POST", "/people/{learner}/deactivate"),
    ("POST", "/people/{learner}/reactivate"),
    ("POST", "/people/{learner}/enrol"),
    ("POST", "/people/{learner}/workshops/{workshop}/withdraw"),
    ("POST", "/people/{learner}/workshops/{workshop}/move"),
    ("POST", "/people/import"),
    ("POST", "/people/import/nosuchimport/confirm"),
]


@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "coordinator"])
def test_only_coordinators_open_the_people_pages(client, make_user, make_workshop, login, role):
    # Every people page and form: anonymous people are sent to sign in, learners and trainers
    # get a 403 and change nothing, coordinators get an answer that is not an error of rights.
    learner = make_user("learner")
    workshop = make_workshop()
    if role != "anonymous":
        login(make_user(role))
    before = db.session.scalar(sa.select(sa.func.count(StaffAction.id)))
    for method, template in PAGES:
        path = template.format(learner=learner.id, workshop=workshop.id)
        response = client.open(path, method=method)
        if role == "anonymous":
            assert response.status_code in (302, 401), path
            assert "/sign-in" in response.headers.get("Location", "/sign-in"), path
        elif role in ("learner", "trainer"):
            assert response.status_code == 403, (path, response.status_code)
        else:
            assert response.status_code not in (401, 403, 500), (path, response.status_code)
    if role != "coordinator":
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(StaffAction.id))) == before
        assert not fresh(learner).is_deactivated


def test_the_list_searches_by_name_and_address_and_shows_role_and_enrolments(
    client, make_user, make_enrolment, login
):
    # The list finds people by part of their name or address (any case), with their role,
    # language and live enrolments; a closed account is nobody to list.
    login(make_user("coordinator"))
    ana = make_user("learner", name="Ana Pérez", email="ana@aula.test", locale="gl")
    make_user("trainer", name="Berta Trainer", email="berta@aula.test")
    make_enrolment(person=ana)
    page = client.get("/people?q=PÉR").text
    assert "Ana Pérez" in page and "Berta" not in page and "Galego" in page
    by_mail = client.get("/people?q=berta@").text
    assert "Berta Trainer" in by_mail and "Trainer" in by_mail and "Ana" not in by_mail
    row = client.get("/people?q=ana@aula").text
    assert "<td>1</td>" in row
    assert client.get("/people?q=%25").status_code == 200  # a % is a character, not a pattern
    assert "Ana" not in client.get("/people?q=%25").text


def test_a_new_account_is_confirmed_and_mailed_a_link_to_choose_a_password(
    client, make_user, login
):
    # A coordinator's new account starts confirmed, with no password that opens it; the
    # person is mailed (in their language) a single-use link to choose one, and then signs in.
    staff = make_user("coordinator")
    login(staff)
    data = {"name": "Uxía Lema", "email": "Uxia@Aula.test", "role": "trainer", "locale": "gl",
            "timezone": "Europe/Madrid"}  # fmt: skip
    response = client.post("/people/new", data=data)
    assert response.status_code == 303
    db.session.rollback()
    person = db.session.scalar(sa.select(User).where(User.email == "uxia@aula.test"))
    assert person.is_confirmed and person.role is Role.trainer and person.locale == "gl"
    (message,) = mailed("people.welcome")
    sent = outgoing(message)
    assert sent.to_address == "uxia@aula.test"
    assert "contrasinal" in sent.subject  # Galician
    assert "Uxía Lema" in sent.text
    action = db.session.scalar(sa.select(StaffAction).where(StaffAction.person_id == person.id))
    assert (action.kind, action.staff_id) == (StaffActionKind.created, staff.id)
    other = client.application.test_client()
    assert sign_in(other, person, "anything at all").status_code == 401  # no password yet
    path = link_path_of(sent.text)
    assert other.post(path, data={"new": "a long new phrase"}).status_code == 303
    assert sign_in(other, person, "a long new phrase").status_code == 302
    again = client.post("/people/new", data=data)
    assert again.status_code == 409 and "already exists" in again.text


def link_path_of(text: str) -> str:
    import re

    (url,) = re.findall(r"http://aula\.test(/\S+)", text)
    return url


def test_a_role_change_and_a_deactivation_are_recorded_and_deactivation_locks_out(
    client, make_user, login, api_token
):
    # A coordinator changes a person's role and deactivates the account: it cannot sign in,
    # its sessions and API tokens open nothing, its data stays; reactivated, it signs in again.
    # A coordinator can neither deactivate nor demote herself.
    staff = make_user("coordinator")
    person = make_user("learner")
    headers = api_token(person)
    theirs = client.application.test_client()
    assert sign_in(theirs, person).status_code == 302
    login(staff)
    assert client.post(f"/people/{person.id}/role", data={"role": "trainer"}).status_code == 303
    assert fresh(person).role is Role.trainer
    assert client.post(f"/people/{person.id}/deactivate").status_code == 303
    assert fresh(person).is_deactivated
    assert theirs.get("/profile").status_code == 302  # the session opens nothing
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(client.application.test_client(), person).status_code == 401
    assert client.post(f"/people/{person.id}/reactivate").status_code == 303
    assert sign_in(client.application.test_client(), person).status_code == 302
    db.session.rollback()
    kinds = db.session.scalars(
        sa.select(StaffAction.kind)
        .where(StaffAction.person_id == person.id)
        .order_by(StaffAction.id)
    ).all()
    assert kinds == [StaffActionKind.role_changed, StaffActionKind.deactivated,
                     StaffActionKind.reactivated]  # fmt: skip
    mine = client.post(f"/people/{staff.id}/deactivate", follow_redirects=True)
    assert "your own account" in mine.text and not fresh(staff).is_deactivated
    demoted = client.post(
        f"/people/{staff.id}/role", data={"role": "learner"}, follow_redirects=True
    )
    assert "own coordinator role" in demoted.text and fresh(staff).role is Role.coordinator


def test_enrolling_on_someones_behalf_takes_the_queue_and_records_who(
    client, make_user, make_workshop, make_enrolment, login
):
    # Enrolled by a coordinator, a person takes a seat if one is free, else the end of the
    # waiting list, exactly as if they had asked, gets the same notice, and the record says
    # which coordinator did it.
    staff = make_user("coordinator")
    workshop = make_workshop(capacity=1)
    make_enrolment(workshop=workshop)
    person = make_user("learner", locale="es")
    login(staff)
    response = client.post(f"/people/{person.id}/enrol", data={"workshop_id": str(workshop.id)},
                           follow_redirects=True)  # fmt: skip
    assert "lista de espera" in response.text or "waiting list" in response.text
    db.session.rollback()
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.state is EnrolmentState.waitlisted
    (action,) = db.session.scalars(sa.select(StaffAction).where(StaffAction.person_id == person.id))
    assert (action.kind, action.staff_id, action.workshop_id) == (
        StaffActionKind.enrolled, staff.id, workshop.id
    )  # fmt: skip
    notices = [m for m in mailed("workshop.waitlisted") if m.recipient_id == person.id]
    assert len(notices) == 1
    again = client.post(f"/people/{person.id}/enrol", data={"workshop_id": str(workshop.id)})
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(StaffAction.id)).where(
        StaffAction.person_id == person.id)) == 1  # asking again changes nothing  # fmt: skip


def test_withdrawing_on_someones_behalf_gives_the_seat_to_the_first_waiting(
    client, make_user, make_workshop, make_enrolment, login
):
    # A coordinator withdraws a person; the freed seat goes to the first person waiting.
    staff = make_user("coordinator")
    workshop = make_workshop(capacity=1)
    seated = make_enrolment(workshop=workshop)
    waiting = make_enrolment(workshop=workshop)
    login(staff)
    path = f"/people/{seated.user_id}/workshops/{workshop.id}/withdraw"
    assert client.post(path).status_code == 303
    assert fresh(seated).state is EnrolmentState.withdrawn
    assert fresh(waiting).state is EnrolmentState.enrolled


def test_moving_someone_to_another_date_takes_its_queue_and_frees_the_first(
    client, make_user, make_workshop, make_enrolment, login
):
    # Moved to another date of the same topic, a person takes a seat there (or waits last)
    # and leaves the first workshop, whose seat goes to the first waiting; a workshop of
    # another topic is refused and nothing changes.
    staff = make_user("coordinator")
    first = make_workshop(capacity=1, topic="Web")
    other = make_workshop(capacity=2, topic="Web")
    elsewhere = make_workshop(capacity=2, topic="Funding")
    seated = make_enrolment(workshop=first)
    waiting = make_enrolment(workshop=first)
    login(staff)
    path = f"/people/{seated.user_id}/workshops/{first.id}/move"
    refused = client.post(path, data={"workshop_id": str(elsewhere.id)}, follow_redirects=True)
    assert "same topic" in refused.text and fresh(seated).state is EnrolmentState.enrolled
    assert f'action="{path}"' in client.get(f"/people/{seated.user_id}").text  # offered
    assert client.post(path, data={"workshop_id": str(other.id)}).status_code == 303
    assert fresh(seated).state is EnrolmentState.withdrawn
    assert fresh(waiting).state is EnrolmentState.enrolled
    moved = db.session.scalar(sa.select(Enrolment).where(Enrolment.workshop_id == other.id))
    assert moved.user_id == seated.user_id and moved.state is EnrolmentState.enrolled
    action = db.session.scalar(
        sa.select(StaffAction).where(StaffAction.kind == StaffActionKind.moved)
    )
    assert (action.staff_id, action.workshop_id) == (staff.id, other.id)


def test_what_staff_did_on_someones_behalf_is_in_their_export(
    client, make_user, make_workshop, login
):
    # A person's data export lists what coordinators did on their behalf (what, when, which
    # workshop).
    from lms.accounts.personal import everything_about

    login(make_user("coordinator"))
    workshop = make_workshop()
    person = make_user("learner")
    client.post(f"/people/{person.id}/enrol", data={"workshop_id": str(workshop.id)})
    data = everything_about(fresh(person))
    (done,) = data["done_on_their_behalf"]
    assert (done["what"], done["workshop_id"]) == ("enrolled", workshop.id)


def test_the_list_and_a_persons_page_take_the_same_queries_however_many(
    client, make_user, make_workshop, make_enrolment, login
):
    # The people list costs the same number of queries for 3 people as for 30, and a
    # person's page the same for 1 enrolment as for 6 (no query per row).
    from tests.support import count_queries

    login(make_user("coordinator"))
    person = make_user("learner")
    make_enrolment(person=person)

    def cost(path: str) -> int:
        db.session.rollback()
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    few_people, one_enrolment = cost("/people"), cost(f"/people/{person.id}")
    for _ in range(27):
        make_user("learner")
    for _ in range(5):
        make_enrolment(workshop=make_workshop(), person=person)
    assert cost("/people") == few_people
    assert cost(f"/people/{person.id}") == one_enrolment
