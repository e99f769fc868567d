"""The calendar writer is safe for any row the database can hold, and for any text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from courses.workshops.models import Workshop
from lms.db import db
from tests.feeds_fixtures import read_vobject


def _store_times(workshop, starts_at: datetime, ends_at: datetime) -> None:
    """Put times in a row as an old release (or a hand-edited database) could have."""
    db.session.execute(
        sa.update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(starts_at=starts_at, ends_at=ends_at)
    )
    db.session.commit()


FAR = [
    pytest.param(datetime(9999, 12, 31, 10, tzinfo=UTC), id="9999-12-31"),
    pytest.param(datetime(9999, 12, 31, 22, 30, tzinfo=UTC), id="9999-12-31-late"),
    pytest.param(datetime(1, 1, 1, 0, 30, tzinfo=UTC), id="0001-01-01"),
    pytest.param(datetime(2150, 6, 1, 10, tzinfo=UTC), id="2150"),
]


@pytest.mark.parametrize("starts_at", FAR)
def test_one_far_dated_workshop_breaks_no_feed(
    app, client, make_user, make_workshop, login, api_token, starts_at
):
    # One workshop stored far in the future or the past (before dates were checked) does not
    # break the catalogue feed, its trainer's feed, a coordinator's feed of everything, its
    # own .ics or its page: each still answers 200, with the other workshops in it.
    trainer = make_user("trainer")
    coordinator = make_user("coordinator")
    make_workshop(trainer=trainer, title="Ordinary")
    odd = make_workshop(trainer=trainer, title="Odd")
    _store_times(odd, starts_at, starts_at + timedelta(hours=1))
    app.config["PROPAGATE_EXCEPTIONS"] = False

    feeds = ["/calendar/catalog.ics", f"/workshops/{odd.id}.ics"]
    for person, query in ((trainer, ""), (coordinator, "?all=1")):
        urls = client.post("/api/v1/me/calendar-token", headers=api_token(person)).json
        feeds.append(urls["feed_url"].replace("http://aula.test", "") + query)
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        calendar = read_vobject(response.data)
        assert calendar is not None
    assert "Ordinary" in client.get("/calendar/catalog.ics").get_data(as_text=True)
    assert client.get(f"/api/v1/workshops/{odd.id}").status_code == 200
    assert client.get(f"/workshops/{odd.id}").status_code == 200
    assert client.get("/").status_code == 200
