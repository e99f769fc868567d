"""An enrolled learner reaches the video room in one click, in a real browser."""

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from lms.db import db
from scheduler.video.models import VideoRoom
from tests.support import sign_in

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.video_fixtures"]


def test_an_enrolled_learner_clicks_join_and_lands_in_the_room(
    make_user, workshop_at, live_server, room_server, page
):
    # From the workshop page, "Join the video room" leads through Aula's door to the room,
    # with the learner's name; the page itself never carries the room's address.
    seen, jitsi = room_server
    ana = make_user(name="Ana María")
    workshop = workshop_at(5, enrol=(ana,))
    key = db.session.get(VideoRoom, workshop.id).key
    base = live_server(JITSI_URL=jitsi)

    sign_in(page, base, ana)
    page.goto(f"{base}/workshops/{workshop.id}")
    assert key not in page.content()
    expect(page.locator("#room-opens")).to_contain_text("The room is open until")
    page.get_by_role("button", name="Join the video room").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(jitsi)}/{key}#"))
    assert 'userInfo.displayName="Ana María"' in unquote(page.url)
    expect(page.get_by_role("heading", name="Video room")).to_be_visible()
    assert seen[0] == f"/{key}"
