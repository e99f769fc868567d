"""The feeds of many workshops reach a horizon (the catalogue's a year ahead, a coordinator's
?all=1 a season): a province that plans years ahead does not send every date it holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.db import db, utcnow
from scheduler.feeds.queries import EVERYTHING_HORIZON, HORIZON
from tests.feeds_fixtures import icaljs


@pytest.fixture
def near_and_far(make_workshop):
    now = utcnow().replace(microsecond=0)
    near = make_workshop(title="Near", starts_at=now + HORIZON - timedelta(days=2))
    far = make_workshop(title="Far", starts_at=now + HORIZON + timedelta(days=2))
    return near, far


def test_the_catalogue_feed_ends_at_the_horizon(client, near_and_far):
    # A public workshop within the year is in the catalogue feed; one beyond it is not.
    near, _far = near_and_far
    events = icaljs(client.get("/calendar/catalog.ics").data)["events"]
    assert [e["uid"] for e in events] == [f"workshop-{near.id}@aula.test"]


def test_everything_feed_ends_at_its_horizon(client, make_user, api_token, make_workshop):
    # A coordinator's ?all=1 holds what happens within the season, not what comes after.
    now = utcnow().replace(microsecond=0)
    near = make_workshop(title="Near", starts_at=now + EVERYTHING_HORIZON - timedelta(days=2))
    make_workshop(title="Far", starts_at=now + EVERYTHING_HORIZON + timedelta(days=2))
    coordinator = make_user("coordinator")
    answer = client.post("/api/v1/me/calendar-token", headers=api_token(coordinator))
    feed = answer.get_json()["feed_url"].removeprefix("http://aula.test")
    events = icaljs(client.get(feed + "?all=1").data)["events"]
    assert [e["uid"] for e in events] == [f"workshop-{near.id}@aula.test"]


def test_a_workshop_entering_the_horizon_is_a_change(client, near_and_far):
    # As time passes a far workshop comes within the year: a client that revalidates by date
    # alone (If-Modified-Since) gets the new feed, whose Last-Modified is when it came in.
    near, far = near_and_far
    long_ago = utcnow() - timedelta(days=10)
    for workshop in (near, far):
        workshop.calendar_changed_at = long_ago
    db.session.commit()
    first = client.get("/calendar/catalog.ics")
    far.starts_at = utcnow().replace(microsecond=0) + HORIZON - timedelta(minutes=1)
    db.session.commit()  # as if two days had passed: the far workshop is now within the year
    since = first.headers["Last-Modified"]
    second = client.get("/calendar/catalog.ics", headers={"If-Modified-Since": since})
    assert second.status_code == 200
    assert len(icaljs(second.data)["events"]) == 2
    assert second.last_modified == (far.starts_at - HORIZON).replace(microsecond=0)
