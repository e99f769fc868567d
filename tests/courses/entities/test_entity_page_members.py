"""A coordinator adds a member to an entity by e-mail address: the page lists nobody else, and
the address is resolved with one lookup."""

from __future__ import annotations

import pytest

from lms.db import db
from tests.cohort_fixtures import make_entities
from tests.province_fixtures import LoadedPeople

#: People outside the entity: a check that loads everyone loads them all.
OUTSIDERS = 40


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user("coordinator", name="Oficina"))


@pytest.fixture
def entity(make_user, coordinator):
    (entity,) = make_entities(make_user, 1)
    for n in range(OUTSIDERS):
        make_user("learner", name=f"Outsider {n}", email=f"outsider{n}@aula.test")
    db.session.commit()
    return entity


def test_entity_page_lists_no_other_person(client, entity):
    # The member form is an e-mail field: nobody outside the entity appears on its page.
    page = client.get(f"/entities/{entity.id}").get_data(as_text=True)
    assert 'type="email"' in page and 'name="email"' in page
    assert "Outsider" not in page and "outsider0@aula.test" not in page


def test_member_is_added_by_email_with_one_lookup(client, entity):
    # The posted address names the person; nobody else is loaded to check it.
    with LoadedPeople() as loaded:
        r = client.post(
            f"/entities/{entity.id}/members",
            data={"email": "Outsider3@aula.test", "role": "member"},
            follow_redirects=True,
        )
    assert "The member has been added." in r.get_data(as_text=True)
    assert loaded.count < OUTSIDERS / 2
    db.session.rollback()
    db.session.refresh(entity)
    assert "Outsider 3" in [m.user.name for m in entity.memberships]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@aula.test", "Nobody has the e-mail address nobody@aula.test."),
        ("", "Please give the person&#39;s e-mail address."),
    ],
)
def test_unknown_or_missing_address_is_refused(client, entity, email, message):
    # An address nobody has, or none, adds nobody and says why.
    r = client.post(
        f"/entities/{entity.id}/members",
        data={"email": email, "role": "member"},
        follow_redirects=True,
    )
    assert message in r.get_data(as_text=True)
    db.session.rollback()
    db.session.refresh(entity)
    assert len(entity.memberships) == 2
