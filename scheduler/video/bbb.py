"""``video_bbb``: BigBlueButton, with its own ``create`` and ``join`` (shared/protocols.md).

Every call is ``<BBB_URL>/api/<call>?<query>&checksum=<hex>``, the checksum being
``sha1`` (or ``BBB_CHECKSUM``) of ``call + query + secret`` over exactly the query sent.

When ``create`` runs: on a person's join, not when the workshop is made. BigBlueButton forgets
a meeting nobody entered within minutes (``meetingExpireIfNoUserJoinedInMinutes``), so
creating it days ahead would be useless; ``create`` is idempotent (a second call answers the
running meeting and its ``createTime``), so calling it just before every join is safe, and
Aula makes that call outside any database transaction. The ``createTime`` it answers goes
into the join address, so an old address never opens a later meeting of the same room.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.plugins import PluginError
from lms.plugins.video import Participant, Room, RoomUnavailable, VideoProviderBase

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


def api_base(url: str) -> str:
    """``https://host/bigbluebutton/`` (as ``bbb-conf --secret`` prints it) or the same with
    ``api`` at the end: both give ``https://host/bigbluebutton/api/``."""
    url = url.rstrip("/")
    return f"{url}/" if url.endswith("/api") else f"{url}/api/"


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def signed_url(call: str, params: dict[str, str]) -> str:
    config = current_app.config
    query = urlencode(params)
    digest = checksum(call, query, config["BBB_SECRET"], config["BBB_CHECKSUM"])
    return f"{api_base(config['BBB_URL'])}{call}?{query}&checksum={digest}"


def call(name: str, params: dict[str, str]) -> ET.Element:
    """One API call; its XML answer, or RoomUnavailable (logged without the address)."""
    try:
        with urllib.request.urlopen(signed_url(name, params), timeout=TIMEOUT_SECONDS) as r:
            answer = ET.fromstring(r.read())
    except (urllib.error.URLError, OSError, ET.ParseError) as e:
        code = getattr(e, "code", "")
        log.warning("BigBlueButton %s failed: %s %s", name, type(e).__name__, code)
        raise RoomUnavailable() from None
    if answer.findtext("returncode") != "SUCCESS":
        log.warning("BigBlueButton %s refused: %s", name, answer.findtext("messageKey"))
        raise RoomUnavailable()
    return answer


class BigBlueButtonProvider(VideoProviderBase):
    name = "video_bbb"
    version = "1.0"
    label = "BigBlueButton"

    def is_available(self) -> bool:
        config = current_app.config
        return bool(config.get("BBB_URL") and config.get("BBB_SECRET"))

    def check_config(self) -> None:
        config = current_app.config
        if bool(config.get("BBB_URL")) != bool(config.get("BBB_SECRET")):
            raise PluginError("video_bbb: set both BBB_URL and BBB_SECRET, or neither")
        if config.get("BBB_URL") and urlsplit(config["BBB_URL"]).scheme not in ("http", "https"):
            raise PluginError("video_bbb: BBB_URL must be an http(s) address")
        if config["BBB_CHECKSUM"] not in ALGORITHMS:
            raise PluginError(f"video_bbb: BBB_CHECKSUM must be one of {', '.join(ALGORITHMS)}")

    def create(self, room: Room) -> str:
        """Create the meeting, or find it running; its ``createTime``."""
        params = {"meetingID": room.key, "name": room.title}
        if room.page_url:
            params["logoutURL"] = room.page_url
        return call("create", params).findtext("createTime") or ""

    def join_url(self, room: Room, person: Participant) -> str:
        if not self.is_available():
            raise RoomUnavailable(_l("BigBlueButton is not set up on this site."))
        params = {
            "meetingID": room.key,
            "fullName": person.name,
            "role": "MODERATOR" if person.is_moderator else "VIEWER",
            "userID": person.id,
        }
        create_time = self.create(room)
        if create_time:
            params["createTime"] = create_time
        return signed_url("join", params)

    def close_room(self, room: Room) -> None:
        """End the meeting, if it is running (BigBlueButton 2.6 and later need no password)."""
        if self.is_available():
            with contextlib.suppress(RoomUnavailable):  # not running: nothing to close
                call("end", {"meetingID": room.key})
