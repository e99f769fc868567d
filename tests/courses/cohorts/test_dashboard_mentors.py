"""The cohort dashboard offers mentors once per page (staff only) and takes the mentor by
e-mail address, found with one lookup: its size does not grow with the number of learners."""

from __future__ import annotations

import pytest

from lms.db import db
from tests.cohort_fixtures import make_entities
from tests.province_fixtures import LoadedPeople
from tests.support import fresh

#: Learners outside the cohort: a check that loads everyone loads them all.
OUTSIDERS = 40


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user("coordinator", name="Oficina", email="oficina@aula.test"))


@pytest.fixture
def board(make_user, make_cohort, coordinator):
    entities = make_entities(make_user, 3)
    cohort = make_cohort(entities=entities, referent=fresh(coordinator))
    for n in range(OUTSIDERS):
        make_user("learner", name=f"Learner {n}", email=f"learner{n}@aula.test")
    trainer = make_user("trainer", name="Ramon Colectic", email="ramon@colectic.test")
    db.session.commit()
    return cohort, entities, trainer


def test_dashboard_offers_staff_once_and_no_learner(client, board):
    # One list of mentors for the whole page, of trainers and coordinators only: no learner
    # is listed, and three entities do not make three lists.
    cohort, _entities, _trainer = board
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert page.count('<datalist id="mentor-choices">') == 1
    offered = page.split('<datalist id="mentor-choices">')[1].split("</datalist>")[0]
    assert offered.count("<option") == 2  # this coordinator (the referent) and Ramon
    assert 'value="ramon@colectic.test"' in offered
    assert "learner0@aula.test" not in page and "Learner 0" not in page
    assert page.count('list="mentor-choices"') == 3  # one field per entity, no options each


def test_mentor_is_taken_by_email_with_one_lookup(client, board):
    # The posted mentor is found by address; nobody else is loaded to check the choice.
    cohort, entities, trainer = board
    with LoadedPeople() as loaded:
        r = client.post(
            f"/cohorts/{cohort.id}/entities/{entities[0].id}/mentor",
            data={"email": " Ramon@Colectic.test "},
            follow_redirects=True,
        )
    assert "The mentor has been paired." in r.get_data(as_text=True)
    assert loaded.count < OUTSIDERS / 2  # signed-in person, mentor, members: not everyone
    from courses.cohorts.models import CohortPlace

    db.session.rollback()
    place = db.session.query(CohortPlace).filter_by(entity_id=entities[0].id).one()
    assert place.mentor_id == trainer.id


def test_unknown_mentor_address_is_refused_with_a_message(client, board):
    # An address nobody has pairs nobody and says so.
    cohort, entities, _trainer = board
    r = client.post(
        f"/cohorts/{cohort.id}/entities/{entities[0].id}/mentor",
        data={"email": "nobody@aula.test"},
        follow_redirects=True,
    )
    assert "Nobody has the e-mail address nobody@aula.test." in r.get_data(as_text=True)
    from courses.cohorts.models import CohortPlace

    db.session.rollback()
    assert db.session.query(CohortPlace).filter_by(entity_id=entities[0].id).one().mentor_id is None
