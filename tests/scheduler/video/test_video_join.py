"""The door to a workshop's room: only the entitled, only within the window, never a leak."""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy as sa

from courses.attendance.models import RoomJoin
from courses.workshops import operations as workshop_operations
from lms.db import db
from scheduler.video.models import VideoRoom
from tests.video_fixtures import BBB_SECRET

pytest_plugins = ["tests.video_fixtures"]


def joins(workshop) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(RoomJoin.user_id).where(RoomJoin.workshop_id == workshop.id))
    )


def room_key(workshop) -> str:
    db.session.rollback()
    return db.session.get(VideoRoom, workshop.id).key


@pytest.fixture
def scene(make_user, workshop_at):
    """A workshop starting in five minutes: its trainer, one enrolled learner, one waiting."""
    trainer = make_user("trainer", name="Tere")
    enrolled, waiting = make_user(name="Ana María"), make_user(name="Ben")
    workshop = workshop_at(5, trainer=trainer, capacity=1, enrol=(enrolled, waiting))
    people = {
        "enrolled learner": enrolled,
        "own trainer": trainer,
        "coordinator": make_user("coordinator"),
        "learner not enrolled": make_user(),
        "waiting learner": waiting,
        "other trainer": make_user("trainer"),
    }
    return workshop, people


@pytest.mark.parametrize("who", ["enrolled learner", "own trainer", "coordinator"])
def test_the_entitled_are_recorded_and_sent_to_the_room(client, login, scene, who):
    # An enrolled learner, the workshop's trainer and a coordinator go straight to the room,
    # and their join is recorded for attendance.
    workshop, people = scene
    login(people[who])
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "no-store"
    address = response.headers["Location"]
    assert address.startswith(f"https://meet.jit.si/{room_key(workshop)}#")
    assert f'userInfo.displayName="{people[who].name}"' in unquote(urlsplit(address).fragment)
    assert joins(workshop) == [people[who].id]


def test_a_link_checker_looking_records_no_join(client, login, scene):
    # A HEAD request (link checkers, previews) neither records a join nor reveals the room.
    workshop, people = scene
    login(people["enrolled learner"])
    response = client.head(f"/workshops/{workshop.id}/join")
    assert response.status_code == 204
    assert "Location" not in response.headers
    assert joins(workshop) == []


@pytest.mark.parametrize(
    "who, message",
    [
        ("learner not enrolled", "Only the people enrolled in this workshop"),
        ("waiting learner", "You are on the waiting list"),
        ("other trainer", "Only the people enrolled in this workshop"),
    ],
)
def test_anyone_else_is_refused_with_a_clear_message(client, login, scene, who, message):
    # Not enrolled, still waiting, or another workshop's trainer: 403, no room, no join.
    workshop, people = scene
    login(people[who])
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert message in page and room_key(workshop) not in page
    assert joins(workshop) == []


def test_a_signed_out_visitor_is_sent_to_sign_in(client, scene):
    # Nobody gets in without signing in; they come back to the door afterwards.
    workshop, _people = scene
    response = client.get(f"/workshops/{workshop.id}/join")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert f"%2Fworkshops%2F{workshop.id}%2Fjoin" in response.headers["Location"]


def test_the_refusal_speaks_the_readers_language(client, login, make_user, scene):
    # The 403 page is translated like the rest of the site.
    workshop, _people = scene
    login(make_user(locale="es"))
    page = client.post(f"/workshops/{workshop.id}/join").get_data(as_text=True)
    assert "Solo pueden entrar" in page


@pytest.mark.parametrize(
    "minutes, status, text",
    [
        (60 * 24, 200, "opens 15 minutes before"),  # tomorrow: says when it opens
        (20, 200, "opens 15 minutes before"),  # 20 minutes ahead: not yet (15 by default)
        (14, 303, None),  # inside the 15 minutes before the start
        (-30, 303, None),  # started half an hour ago, not over
        (-61, 410, "has ended"),  # over
    ],
)
def test_the_door_opens_fifteen_minutes_before_and_closes_at_the_end(
    client,
    login,
    make_user,
    workshop_at,
    minutes,
    status,
    text,
):
    # Before the window the page says when it opens; after the end, that it is closed.
    ana = make_user()
    workshop = workshop_at(minutes, enrol=(ana,))
    login(ana)
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == status
    if text:
        assert text in response.get_data(as_text=True)
        assert joins(workshop) == []
    else:
        assert joins(workshop) == [ana.id]


def test_the_window_is_configurable(make_app, make_user, login, workshop_at):
    # JOIN_OPENS_MINUTES_BEFORE moves the opening.
    ana = make_user()
    workshop = workshop_at(50, enrol=(ana,))
    client = make_app(JOIN_OPENS_MINUTES_BEFORE=60).test_client()
    login(ana, client=client)
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"https://meet.jit.si/{room_key(workshop)}#")
    assert joins(workshop) == [ana.id]


def test_a_cancelled_workshop_has_no_room(client, login, scene):
    # Once cancelled, the door says so and opens for nobody.
    workshop, people = scene
    workshop_operations.cancel_workshop(workshop.id)
    db.session.commit()
    login(people["own trainer"])
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 410 and "cancelled" in response.get_data(as_text=True)


def test_a_workshop_without_a_room_gets_one_on_first_join(client, login, scene):
    # Workshops older than the video rooms get an unguessable room when someone first knocks.
    workshop, people = scene
    db.session.execute(sa.delete(VideoRoom).where(VideoRoom.workshop_id == workshop.id))
    db.session.commit()
    login(people["enrolled learner"])
    assert client.post(f"/workshops/{workshop.id}/join").status_code == 303
    assert room_key(workshop).startswith("aula-") and len(room_key(workshop)) == 37


def test_every_workshop_gets_its_own_unguessable_room(make_workshop):
    # Room names are 128 random bits, different for every workshop.
    keys = {room_key(make_workshop()) for _ in range(5)}
    assert len(keys) == 5 and all(len(k) == 37 and k.startswith("aula-") for k in keys)


# The API -------------------------------------------------------------------------------------


def test_api_room_answers_the_entitled_and_refuses_the_rest(client, api_token, scene):
    # GET /api/v1/workshops/{id}/room: {url} for the enrolled, its trainer and coordinators;
    # 403 for anyone else, 401 without a token; not counted as a join.
    workshop, people = scene
    path = f"/api/v1/workshops/{workshop.id}/room"
    for who in ("enrolled learner", "own trainer", "coordinator"):
        response = client.get(path, headers=api_token(people[who]))
        assert response.status_code == 200, who
        body = response.get_json()
        assert body["url"].startswith(f"https://meet.jit.si/{room_key(workshop)}")
        assert body["join_url"] == f"http://aula.test/workshops/{workshop.id}/join"
        assert response.headers["Cache-Control"] == "no-store"
    for who in ("learner not enrolled", "waiting learner", "other trainer"):
        response = client.get(path, headers=api_token(people[who]))
        assert response.status_code == 403, who
        assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get(path).status_code == 401
    assert (
        client.get(
            "/api/v1/workshops/999999/room", headers=api_token(people["coordinator"])
        ).status_code
        == 404
    )
    assert joins(workshop) == []


def test_api_room_respects_the_window(client, api_token, make_user, workshop_at):
    # Before the door opens and after the end, the API answers 409 saying why.
    ana = make_user()
    early, over = workshop_at(60, enrol=(ana,)), workshop_at(-120, enrol=(ana,))
    for workshop, code in ((early, "not_open_yet"), (over, "ended")):
        response = client.get(f"/api/v1/workshops/{workshop.id}/room", headers=api_token(ana))
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == code


# The trainer's choice ------------------------------------------------------------------------


def test_the_trainer_pastes_a_link_and_learners_are_sent_there(client, login, scene):
    # A trainer may choose another service for one workshop: the door leads to the pasted
    # address, which no page shows to the learners.
    workshop, people = scene
    teams = "https://teams.example.com/l/meetup-join/secret-room"
    login(people["own trainer"])
    response = client.post(
        f"/workshops/{workshop.id}/room", data={"provider": "video_link", "link": teams}
    )
    assert response.status_code == 303
    login(people["enrolled learner"])
    assert client.post(f"/workshops/{workshop.id}/join").headers["Location"] == teams
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "Join the video room" in page and "teams.example.com" not in page


@pytest.mark.parametrize(
    "data",
    [
        {"provider": "video_link", "link": ""},
        {"provider": "video_link", "link": "javascript:alert(1)"},
        {"provider": "video_bbb", "link": ""},  # not set up on this site
        {"provider": "video_nowhere", "link": ""},
    ],
)
def test_bad_room_settings_are_refused_and_change_nothing(client, login, scene, data):
    # A link provider without a web address, or a provider this site lacks: refused.
    workshop, people = scene
    login(people["own trainer"])
    response = client.post(f"/workshops/{workshop.id}/room", data=data)
    assert response.status_code in (409, 422)
    db.session.rollback()
    room = db.session.get(VideoRoom, workshop.id)
    assert room.provider is None and room.link == ""


@pytest.mark.parametrize("who, status", [("other trainer", 403), ("enrolled learner", 403)])
def test_only_the_trainer_and_coordinators_change_the_room(client, login, scene, who, status):
    # Room settings belong to the workshop's trainer and the coordinators.
    workshop, people = scene
    db.session.rollback()
    before = db.session.get(VideoRoom, workshop.id)
    before = (before.provider, before.link, before.key)
    login(people[who])
    assert client.get(f"/workshops/{workshop.id}/room").status_code == status
    response = client.post(
        f"/workshops/{workshop.id}/room", data={"provider": "video_link", "link": "https://x.org"}
    )
    assert response.status_code == status
    db.session.rollback()
    room = db.session.get(VideoRoom, workshop.id, populate_existing=True)
    assert (room.provider, room.link, room.key) == before
    assert room.link != "https://x.org"


def test_bbb_through_the_door(make_app, make_user, login, workshop_at, fake_bbb):
    # With BigBlueButton as the site's provider, the door creates the meeting and sends the
    # trainer in as moderator.
    bbb, url = fake_bbb
    app = make_app(VIDEO_PROVIDER="video_bbb", BBB_URL=url, BBB_SECRET=BBB_SECRET)
    trainer = make_user("trainer")
    workshop = workshop_at(5, trainer=trainer)
    client = app.test_client()
    login(trainer, client=client)
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 303 and response.headers["Location"].startswith(url)
    assert [call for call, _ in bbb.calls] == ["create"]
    assert "role=MODERATOR" in response.headers["Location"]


def test_bbb_down_means_a_clear_503_and_no_join(make_app, make_user, login, workshop_at):
    # When the provider cannot open the room, the person is told so and nothing is recorded.
    app = make_app(
        VIDEO_PROVIDER="video_bbb", BBB_URL="http://127.0.0.1:9/bigbluebutton/", BBB_SECRET="s"
    )
    ana = make_user()
    workshop = workshop_at(5, enrol=(ana,))
    client = app.test_client()
    login(ana, client=client)
    response = client.post(f"/workshops/{workshop.id}/join")
    assert response.status_code == 503 and "cannot be opened" in response.get_data(as_text=True)
    assert joins(workshop) == []


def test_cancelling_ends_a_bbb_meeting_after_the_commit(make_app, make_user, fake_bbb):
    # Closing the room talks to BigBlueButton only once the cancellation is committed, and
    # not at all when it is rolled back.
    from courses.workshops import operations

    bbb, url = fake_bbb
    app = make_app(VIDEO_PROVIDER="video_bbb", BBB_URL=url, BBB_SECRET=BBB_SECRET)
    with app.app_context():
        from datetime import timedelta

        from lms.db import utcnow

        starts = utcnow() + timedelta(days=1)
        workshop = operations.create_workshop(
            trainer=make_user("trainer"),
            title="BBB",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            timezone="Europe/Madrid",
        )
        db.session.commit()
        key = db.session.get(VideoRoom, workshop.id).key
        bbb.meetings[key] = "1"
        operations.cancel_workshop(workshop.id)
        assert bbb.calls == []
        db.session.rollback()
        assert bbb.calls == []
        operations.cancel_workshop(workshop.id)
        db.session.commit()
        assert [(c, p["meetingID"]) for c, p in bbb.calls] == [("end", key)]


# No leaks ------------------------------------------------------------------------------------


def test_no_room_address_in_pages_feeds_or_logs(client, login, scene, caplog):
    # The room's name appears in no page, no JSON, no calendar event and no log line, for
    # anyone: only the /join door leads to it.
    from scheduler.ical import calendar, workshop_event

    workshop, people = scene
    for name in ("scheduler", "lms", "courses", "werkzeug", "gunicorn"):
        caplog.set_level(logging.DEBUG, logger=name)
    key = room_key(workshop)
    seen = [client.get("/").get_data(as_text=True)]
    seen.append(client.get(f"/workshops/{workshop.id}").get_data(as_text=True))
    seen.append(client.get(f"/api/v1/workshops/{workshop.id}").get_data(as_text=True))
    for who in ("enrolled learner", "own trainer", "coordinator", "waiting learner"):
        login(people[who])
        page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
        seen.append(page)
        if who != "waiting learner":
            assert f'action="/workshops/{workshop.id}/join"' in page, who
        else:
            assert "/join" not in page
        seen.append(client.get("/me/workshops").get_data(as_text=True))
        assert client.post(f"/workshops/{workshop.id}/join").status_code in (303, 403)
    event = workshop_event(workshop, uid="u@aula.test", sequence=0, stamp=workshop.created_at)
    seen.append(calendar([event]).to_ical().decode())
    seen.extend(record.getMessage() for record in caplog.records)
    assert any("room opened" in record.getMessage() for record in caplog.records)
    for text in seen:
        assert key not in text and "meet.jit.si" not in text


def test_providers_follow_a_workshops_life_after_each_commit(app, make_user, make_workshop):
    # A provider hears of a new room, a reschedule (with the new times) and a cancellation,
    # each once the change is committed, as the plain Room a plugin sees.
    from datetime import timedelta

    from courses.workshops import operations
    from scheduler.video import operations as video_operations

    heard = []

    class Probe:
        name, version, label = "video_probe", "1.0", "Probe"

        def join_url(self, room, person):
            return f"https://probe.example/{room.key}"

        def create_room(self, room):
            heard.append(("create", room.starts_at))

        def reschedule_room(self, room):
            heard.append(("reschedule", room.starts_at))

        def close_room(self, room):
            heard.append(("close", room.starts_at))

    app.extensions["lms.plugins"]["video"]["video_probe"] = Probe()
    trainer = make_user("trainer")
    workshop = make_workshop(trainer=trainer)
    video_operations.set_room(workshop, "video_probe", "")
    db.session.commit()
    assert heard == [("create", workshop.starts_at)]
    later = workshop.starts_at + timedelta(days=1)
    operations.update_workshop(workshop.id, starts_at=later, ends_at=later + timedelta(hours=1))
    assert heard[1:] == []
    db.session.commit()
    operations.cancel_workshop(workshop.id)
    db.session.commit()
    assert heard[1:] == [("reschedule", later), ("close", later)]


def test_api_trainer_sets_the_room_and_others_cannot(client, api_token, scene):
    # PUT /api/v1/workshops/{id}/room: the workshop's trainer or a coordinator chooses the
    # provider and pastes a link; anyone else gets 403; bad input is a 4xx that changes nothing.
    workshop, people = scene
    path = f"/api/v1/workshops/{workshop.id}/room"
    zoom = "https://zoom.example.com/j/123"
    body = {"provider": "video_link", "link": zoom}
    for who in ("other trainer", "enrolled learner"):
        assert client.put(path, json=body, headers=api_token(people[who])).status_code == 403
    bad = client.put(
        path, json={"provider": "video_link"}, headers=api_token(people["own trainer"])
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "missing_link"
    response = client.put(path, json=body, headers=api_token(people["own trainer"]))
    assert response.status_code == 200 and response.get_json()["provider"] == "video_link"
    assert zoom not in response.get_data(as_text=True)
    url = client.get(path, headers=api_token(people["enrolled learner"])).get_json()["url"]
    assert url == zoom
    back = client.put(path, json={"provider": None}, headers=api_token(people["coordinator"]))
    assert back.status_code == 200 and back.get_json()["provider"] is None
