"""The people pages keep to the coordinator's programmes (courses/people/permissions.py)."""

from __future__ import annotations

import sqlalchemy as sa

from courses.workshops import operations as workshops
from lms.accounts.models import User
from lms.db import db
from lms.programmes.models import ProgrammeMember, ProgrammeRole
from lms.programmes.operations import join as join_programme


def test_a_coordinator_sees_and_manages_only_the_people_of_her_programmes(
    client, make_user, make_programme, make_workshop, login
):
    # A learner enrolled in programme A's workshop is A's: A's coordinator finds and enrols
    # her; B's coordinator neither lists her, nor opens her page, nor enrols anyone in A's
    # workshop (it is no workshop to her).
    other = make_programme(name="Bootcamp ESS")
    own_coordinator = make_user("coordinator", name="Uxía")
    outsider = make_user("coordinator", name="Roser", programme=other)
    ana = make_user(name="Ana Seoane")
    workshop = make_workshop()
    workshops.enrol(workshop.id, db.session.merge(ana))
    db.session.commit()
    later = make_workshop()

    login(outsider)
    assert "Ana Seoane" not in client.get("/people?q=Ana").get_data(as_text=True)
    assert client.get(f"/people/{ana.id}").status_code == 404
    mine = make_user(name="Pau Vidal", programme=other)
    make_user("trainer", programme=other)
    assert client.post(f"/people/{mine.id}/enrol", data={"workshop_id": later.id}).status_code in (
        403,
        404,
    )

    login(own_coordinator)
    assert "Ana Seoane" in client.get("/people?q=Ana").get_data(as_text=True)
    assert client.get(f"/people/{ana.id}").status_code == 200
    assert client.post(f"/people/{ana.id}/enrol", data={"workshop_id": later.id}).status_code == 303


def test_an_account_a_coordinator_makes_joins_her_programme(
    client, make_user, make_programme, login
):
    # The person a coordinator adds is a learner of her programme, so that she (and not
    # another programme's coordinator) finds them afterwards.
    other = make_programme(name="Bootcamp ESS")
    coordinator = make_user("coordinator", programme=other)
    login(coordinator)
    response = client.post(
        "/people/new",
        data={
            "email": "nova@aula.test",
            "name": "Nova Persoa",
            "role": "learner",
            "locale": "",
            "timezone": "Europe/Madrid",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.rollback()
    rows = db.session.execute(
        sa.select(ProgrammeMember.programme_id, ProgrammeMember.role)
        .join(User, User.id == ProgrammeMember.user_id)
        .where(User.email == "nova@aula.test")
    ).all()
    assert [tuple(r) for r in rows] == [(other.id, ProgrammeRole.learner)]


def test_a_role_given_on_the_people_page_is_held_in_her_programme(
    client, make_user, make_programme, login
):
    # Making someone a trainer from the people page makes them a trainer of the coordinator's
    # programme (so they can plan its workshops); making them a learner again ends that.
    from lms.programmes.permissions import may_teach

    other = make_programme(name="Bootcamp ESS")
    coordinator = make_user("coordinator", programme=other)
    person = make_user(name="Pau Vidal")
    join_programme(other.id, person)
    db.session.commit()
    login(coordinator)
    assert client.post(f"/people/{person.id}/role", data={"role": "trainer"}).status_code == 303
    db.session.rollback()
    assert may_teach(db.session.get(User, person.id), other.id)
    assert client.post(f"/people/{person.id}/role", data={"role": "learner"}).status_code == 303
    db.session.rollback()
    roles = db.session.scalars(
        sa.select(ProgrammeMember.role).where(ProgrammeMember.user_id == person.id)
    ).all()
    assert roles == [ProgrammeRole.learner]
