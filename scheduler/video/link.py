"""``video_link``: any address a trainer pastes (Webex, Teams, Zoom...), behind Aula's door."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from lms.plugins.video import Participant, Room, RoomUnavailable, VideoProviderBase


def is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class LinkProvider(VideoProviderBase):
    name = "video_link"
    version = "1.0"
    label = _l("Another service (paste its address)")
    needs_link = True

    def join_url(self, room: Room, person: Participant) -> str:
        if not is_web_address(room.link):
            raise RoomUnavailable(_l("The trainer has not given the room's address yet."))
        return room.link
