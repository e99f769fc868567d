"""The lms.video plugin type: the contract every installed provider meets, then Jitsi,
BigBlueButton and pasted links one by one."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta
from importlib.metadata import entry_points
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import pytest

from lms.db import utcnow
from lms.plugins import PluginError, plugins
from lms.plugins.video import (
    VIDEO,
    Participant,
    Room,
    RoomRole,
    RoomUnavailable,
    VideoProvider,
    optional,
)
from tests.video_fixtures import BBB_SECRET

pytest_plugins = ["tests.video_fixtures"]

INSTALLED = sorted(ep.name for ep in entry_points(group="lms.video"))
JITSI_SECRET = "a-jitsi-app-secret-of-at-least-32-bytes"


def a_room(key: str = "aula-0123456789abcdef0123456789abcdef", **kw) -> Room:
    starts = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    values = {
        "key": key,
        "title": "Cómo mejorar el footer de tu web",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "timezone": "Europe/Madrid",
        "link": f"https://meet.example.org/{key}",
        "page_url": "http://aula.test/workshops/1",
    }
    return Room(**{**values, **kw})


ANA = Participant(id="7", name="Ana María", email="ana@aula.test", role=RoomRole.viewer)
TERE = Participant(id="3", name="Tere Trainer", email="tere@aula.test", role=RoomRole.moderator)


@pytest.fixture
def video_app(make_app, fake_bbb):
    _bbb, url = fake_bbb
    app = make_app(BBB_URL=url, BBB_SECRET=BBB_SECRET)
    with app.app_context():
        yield app


def test_the_builtin_providers_are_installed_through_entry_points():
    # Jitsi, BigBlueButton and links are published like any outside plugin.
    assert {"video_jitsi", "video_bbb", "video_link"} <= set(INSTALLED)


@pytest.mark.parametrize("name", INSTALLED)
def test_every_installed_provider_meets_the_contract(video_app, name):
    # Each provider is named and versioned, has every hook, and gives an absolute address
    # per person and per room, or says plainly that the room cannot open.
    provider = plugins("video")[name]
    assert isinstance(provider, VideoProvider)
    assert provider.name == name and re.match(r"^\d+\.\d+(\.\d+)?$", provider.version)
    assert str(provider.label)
    optional(provider, "check_config")()
    assert isinstance(optional(provider, "is_available")(), bool)
    assert isinstance(optional(provider, "needs_link"), bool)
    room, other = a_room(), a_room(key="aula-fedcba9876543210fedcba9876543210")
    for hook in ("create_room", "reschedule_room", "close_room"):
        assert optional(provider, hook)(room) is None
    if not optional(provider, "is_available")():
        with pytest.raises(RoomUnavailable):
            provider.join_url(room, ANA)
        return
    addresses = {provider.join_url(r, p) for r in (room, other) for p in (ANA, TERE)}
    for address in addresses:
        assert urlsplit(address).scheme in ("http", "https") and urlsplit(address).hostname
    assert len({urlsplit(a).path + urlsplit(a).query for a in addresses}) >= 2
    if optional(provider, "needs_link"):
        with pytest.raises(RoomUnavailable):
            provider.join_url(a_room(link=""), ANA)


def test_a_provider_without_the_optional_hooks_gets_the_safe_defaults():
    # Optional hooks may be left out: the type supplies harmless defaults.
    class Minimal:
        name, version, label = "video_minimal", "1.0", "Minimal"

        def join_url(self, room, person):
            return "https://example.org/" + room.key

    from lms.plugins import check

    check(VIDEO, "video_minimal", Minimal())
    assert optional(Minimal(), "needs_link") is False
    assert optional(Minimal(), "is_available")() is True
    assert optional(Minimal(), "close_room")(a_room()) is None


# Jitsi ---------------------------------------------------------------------------------------


def test_jitsi_gives_an_unguessable_room_with_the_persons_name(app):
    # The public server: the room name is the unguessable key, the name rides in the fragment.
    address = plugins("video")["video_jitsi"].join_url(a_room(), ANA)
    parts = urlsplit(address)
    assert f"{parts.scheme}://{parts.netloc}" == "https://meet.jit.si"
    assert parts.path == "/aula-0123456789abcdef0123456789abcdef" and not parts.query
    assert 'userInfo.displayName="Ana María"' in unquote(parts.fragment)


def test_jitsi_tokens_carry_the_claims_and_make_the_trainer_moderator(make_app):
    # With an app id and secret, each person gets a signed JWT for this room only, valid
    # from now until after the end; the trainer as owner, a learner as member.
    app = make_app(
        JITSI_URL="https://video.aula.example/",
        JITSI_APP_ID="aula",
        JITSI_APP_SECRET=JITSI_SECRET,
    )
    room = a_room()
    with app.app_context():
        provider = plugins("video")["video_jitsi"]
        tokens = {}
        for person in (ANA, TERE):
            parts = urlsplit(provider.join_url(room, person))
            assert parts.netloc == "video.aula.example" and parts.path == f"/{room.key}"
            token = parse_qs(parts.query)["jwt"][0]
            tokens[person.role] = jwt.decode(
                token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi", issuer="aula"
            )
    learner, trainer = tokens[RoomRole.viewer], tokens[RoomRole.moderator]
    assert learner["room"] == room.key and learner["sub"] == "*"
    assert learner["context"]["user"] == {
        "id": "7",
        "name": "Ana María",
        "email": "ana@aula.test",
        "avatar": "",
        "affiliation": "member",
        "moderator": "false",
    }
    assert trainer["context"]["user"]["affiliation"] == "owner" and trainer["moderator"] is True
    assert learner["moderator"] is False
    now = utcnow().timestamp()
    assert learner["nbf"] <= now < learner["exp"]
    assert learner["exp"] >= room.ends_at.timestamp()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another secret " * 3, algorithms=["HS256"], audience="jitsi")


@pytest.mark.parametrize(
    "config, complaint",
    [
        ({"JITSI_APP_ID": "aula", "JITSI_APP_SECRET": "short"}, "at least 32 bytes"),
        ({"JITSI_APP_ID": "aula"}, "both"),
        ({"BBB_URL": "https://bbb.example.org/bigbluebutton/"}, "both"),
        ({"VIDEO_PROVIDER": "video_nowhere"}, "VIDEO_PROVIDER"),
    ],
)
def test_bad_video_settings_stop_the_app_at_start(make_app, config, complaint):
    # A weak Jitsi secret, a half-set server or an unknown provider fails loudly at start-up.
    with pytest.raises(PluginError, match=complaint):
        make_app(**config)


# BigBlueButton -------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_bbb_creates_on_join_and_signs_create_and_join(make_app, fake_bbb, algorithm):
    # `create` then `join`, each with the checksum over exactly the query sent; the trainer
    # as MODERATOR, a learner as VIEWER, both tied to the meeting's createTime.
    bbb, url = fake_bbb
    app = make_app(BBB_URL=url, BBB_SECRET=BBB_SECRET, BBB_CHECKSUM=algorithm)
    room = a_room()
    with app.app_context():
        provider = plugins("video")["video_bbb"]
        addresses = {p.role: provider.join_url(room, p) for p in (TERE, ANA)}
    creates = [params for call, params in bbb.calls if call == "create"]
    assert len(creates) == 2 and len(bbb.meetings) == 1  # idempotent
    assert creates[0] == {
        "meetingID": room.key,
        "name": room.title,
        "logoutURL": "http://aula.test/workshops/1",
    }
    for role, address in addresses.items():
        assert address.startswith(f"{url}api/join?")
        with urllib.request.urlopen(address) as answer:  # the browser's request, checked
            assert b"<returncode>SUCCESS</returncode>" in answer.read()
        params = bbb.calls[-1][1]
        assert params["role"] == ("MODERATOR" if role is RoomRole.moderator else "VIEWER")
        assert params["meetingID"] == room.key
        assert params["createTime"] == bbb.meetings[room.key]
    assert params["fullName"] == "Ana María" and params["userID"] == "7"


def test_bbb_join_address_of_an_old_meeting_does_not_open_a_new_one(make_app, fake_bbb):
    # createTime keeps an address made for an ended meeting from entering the next one.
    _bbb, url = fake_bbb
    app = make_app(BBB_URL=url, BBB_SECRET=BBB_SECRET)
    room = a_room()
    with app.app_context():
        provider = plugins("video")["video_bbb"]
        old = provider.join_url(room, ANA)
        provider.close_room(room)
        provider.join_url(room, ANA)  # a new meeting, a new createTime
    with urllib.request.urlopen(old) as answer:
        assert b"mismatchCreateTimeParam" in answer.read()


def test_bbb_refusal_or_silence_means_the_room_is_unavailable(make_app, fake_bbb):
    # A wrong secret (checksum refused) or no server at all: RoomUnavailable, never a crash.
    _bbb, url = fake_bbb
    for config in (
        {"BBB_URL": url, "BBB_SECRET": "not-the-secret"},
        {"BBB_URL": "http://127.0.0.1:9/bigbluebutton/", "BBB_SECRET": BBB_SECRET},
    ):
        with make_app(**config).app_context(), pytest.raises(RoomUnavailable):
            plugins("video")["video_bbb"].join_url(a_room(), ANA)


def test_bbb_is_offered_only_when_set_up(app):
    # Without BBB_URL and BBB_SECRET, BigBlueButton is not among the trainer's choices.
    from scheduler.video.queries import choices

    assert "video_bbb" not in dict(choices())
    assert {"video_jitsi", "video_link"} <= set(dict(choices()))


# Pasted links --------------------------------------------------------------------------------


def test_a_pasted_link_is_the_room(app):
    # video_link sends the person to the address the trainer pasted, and to nothing else.
    provider = plugins("video")["video_link"]
    room = a_room(link="https://teams.example.com/l/meetup-join/abc")
    assert provider.join_url(room, ANA) == "https://teams.example.com/l/meetup-join/abc"
    for bad in ("", "javascript:alert(1)", "ftp://x.example/"):
        with pytest.raises(RoomUnavailable):
            provider.join_url(a_room(link=bad), ANA)
