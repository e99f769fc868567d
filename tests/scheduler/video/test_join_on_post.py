"""The room's door changes state only on POST: reading /join (a mail's link, a scanner, a
browser's prefetch) records no join, makes no room and calls no video service."""

from __future__ import annotations

import re

import sqlalchemy as sa

from courses.attendance.models import RoomJoin
from lms.db import db
from scheduler.video.models import VideoRoom
from tests.video_fixtures import BBB_SECRET

pytest_plugins = ["tests.video_fixtures"]


def joins(workshop) -> list[int]:
    db.session.rollback()
    query = sa.select(RoomJoin.user_id).where(RoomJoin.workshop_id == workshop.id)
    return list(db.session.scalars(query))


def rooms(workshop) -> int:
    db.session.rollback()
    query = sa.select(sa.func.count()).where(VideoRoom.workshop_id == workshop.id)
    return db.session.scalar(query)


def test_reading_the_door_changes_nothing_then_its_button_enters(
    make_app, make_user, login, workshop_at, fake_bbb
):
    # GET within the window: a page whose button POSTs (with a CSRF token) to the same
    # address; no join, no room, no call to BigBlueButton. The POST enters, once.
    bbb, url = fake_bbb
    app = make_app(
        VIDEO_PROVIDER="video_bbb", BBB_URL=url, BBB_SECRET=BBB_SECRET, WTF_CSRF_ENABLED=True
    )
    ana = make_user()
    workshop = workshop_at(5, enrol=(ana,))
    db.session.execute(sa.delete(VideoRoom).where(VideoRoom.workshop_id == workshop.id))
    db.session.commit()
    client = app.test_client()
    login(ana, client=client)
    for _ in range(3):
        response = client.get(f"/workshops/{workshop.id}/join")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)">\s*<input[^>]*value="([^"]+)"', page)
    assert form and form.group(1) == f"/workshops/{workshop.id}/join"
    assert "Enter the video room" in page
    assert (joins(workshop), rooms(workshop), bbb.calls) == ([], 0, [])
    response = client.post(form.group(1), data={"csrf_token": form.group(2)})
    assert response.status_code == 303 and response.headers["Location"].startswith(url)
    assert joins(workshop) == [ana.id] and rooms(workshop) == 1
    assert [call for call, _ in bbb.calls] == ["create"]


def test_entering_needs_the_csrf_token(make_app, make_user, login, workshop_at):
    # A POST from another site (no token) is refused with a message, and nothing is recorded.
    app = make_app(WTF_CSRF_ENABLED=True)
    ana = make_user()
    workshop = workshop_at(5, enrol=(ana,))
    client = app.test_client()
    login(ana, client=client)
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert joins(workshop) == []


def test_the_workshop_page_enters_in_one_click(client, make_user, login, workshop_at):
    # On the workshop's page, within the window, "Join the video room" is the POST button
    # itself; before the window it is a link to the door, which says when it opens.
    ana = make_user()
    open_now, later = workshop_at(5, enrol=(ana,)), workshop_at(120, enrol=(ana,))
    login(ana)
    page = client.get(f"/workshops/{open_now.id}").get_data(as_text=True)
    assert f'<form method="post" action="/workshops/{open_now.id}/join">' in page
    page = client.get(f"/workshops/{later.id}").get_data(as_text=True)
    assert f'href="/workshops/{later.id}/join"' in page
    door = client.get(f"/workshops/{later.id}/join").get_data(as_text=True)
    assert "opens 15 minutes before" in door and "Enter the video room" not in door
