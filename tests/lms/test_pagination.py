"""Long lists come a page at a time, by one rule (lms.pagination) for pages and the API."""

from datetime import timedelta

import pytest

from lms.db import utcnow


def _follow(client, url, headers=None):
    """Every page of an API list, by its Link headers: the items of each page."""
    pages = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        pages.append(response.get_json())
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
        if link:
            assert link.endswith('; rel="next"')
    return pages


def test_the_workshop_list_comes_in_pages_in_a_stable_order(client, make_workshop):
    # Five workshops, two at the very same time: pages of two, then one; nothing twice,
    # nothing left out, ties in id order; the last page has no Link.
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    made = [
        make_workshop(title=f"W{n}", starts_at=start + timedelta(hours=n // 2)) for n in range(5)
    ]
    pages = _follow(client, "/api/v1/workshops?limit=2")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [w["id"] for p in pages for w in p] == [w.id for w in made]


def test_lists_answer_at_most_fifty_by_default(client, make_workshop):
    start = utcnow() + timedelta(days=3)
    for n in range(51):
        make_workshop(starts_at=start + timedelta(minutes=n), title=f"W{n}")
    response = client.get("/api/v1/workshops")
    assert len(response.get_json()) == 50
    assert "page=2" in response.headers["Link"]
    assert len(client.get(response.headers["Link"][1:].split(">")[0]).get_json()) == 1


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=abc", "limit=-1", "page=0", "limit=²",
              "page=99999999999999999999", "limit=1.5"],
)  # fmt: skip
def test_a_bad_limit_or_page_is_a_clear_400(client, query):
    response = client.get(f"/api/v1/workshops?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.get_json()["error"]["code"] == f"bad_{name}"
    assert name in response.get_json()["error"]["message"]


def test_the_entity_and_itinerary_lists_and_my_places_come_in_pages(
    client, make_user, make_entity, make_itinerary, make_workshop, api_token
):
    coordinator = make_user("coordinator")
    headers = api_token(coordinator)
    for n in range(3):
        make_entity(name=f"Coop {n}", members=0)
        make_itinerary(name=f"Path {n}")
    for path in ("/api/v1/entities?limit=2", "/api/v1/itineraries?limit=2"):
        assert [len(p) for p in _follow(client, path, headers)] == [2, 1], path
    learner = make_user()
    from courses.workshops import operations
    from lms.db import db

    for workshop_id in (make_workshop().id, make_workshop().id, make_workshop().id):
        operations.enrol(workshop_id, db.session.merge(learner))
    db.session.commit()
    mine = _follow(client, "/api/v1/me/enrolments?limit=2", api_token(learner))
    assert [len(p) for p in mine] == [2, 1]


def test_the_catalogue_page_links_its_pages_in_the_readers_language(client, make_workshop):
    start = utcnow() + timedelta(days=3)
    for n in range(3):
        make_workshop(title=f"Taller {n}", starts_at=start + timedelta(hours=n))
    first = client.get("/?limit=2", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Taller 0" in first and "Taller 2" not in first
    assert 'rel="next"' in first and "Página siguiente" in first
    second = client.get("/?limit=2&page=2").get_data(as_text=True)
    assert "Taller 2" in second and "Taller 0" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    refused = client.get("/?page=0", headers={"Accept-Language": "ca"})
    assert refused.status_code == 400
    assert "ha de ser un nombre enter" in refused.get_data(as_text=True)
