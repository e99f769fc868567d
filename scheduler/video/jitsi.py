"""``video_jitsi``: Jitsi Meet, Aula's default (free software).

The room is ``<JITSI_URL>/<room key>``; the person's name rides in the fragment
(``#userInfo.displayName="Ana"``, values are JSON). With ``JITSI_APP_ID`` and
``JITSI_APP_SECRET`` set (a self-hosted server with token authentication), every participant
gets a signed JWT (HS256) in ``?jwt=``, moderator for the trainer; see shared/protocols.md.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote, urlsplit

import jwt
from flask import current_app

from lms.db import utcnow
from lms.plugins import PluginError
from lms.plugins.video import Participant, Room, VideoProviderBase

#: PyJWT warns below this; we refuse it at start-up.
MIN_SECRET_BYTES = 32
#: Clock skew tolerated between Aula and the Jitsi server.
LEEWAY = timedelta(minutes=5)
#: How long after the session's end a token still lets someone reconnect.
GRACE = timedelta(hours=1)


def _fragment(**settings: object) -> str:
    return "&".join(
        f"{key}={quote(json.dumps(value, ensure_ascii=False))}" for key, value in settings.items()
    )


class JitsiProvider(VideoProviderBase):
    name = "video_jitsi"
    version = "1.0"
    label = "Jitsi Meet"

    def check_config(self) -> None:
        config = current_app.config
        app_id, secret = config.get("JITSI_APP_ID", ""), config.get("JITSI_APP_SECRET", "")
        if bool(app_id) != bool(secret):
            raise PluginError("video_jitsi: set both JITSI_APP_ID and JITSI_APP_SECRET, or neither")
        if secret and len(secret.encode()) < MIN_SECRET_BYTES:
            raise PluginError(
                f"video_jitsi: JITSI_APP_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            )
        if urlsplit(config["JITSI_URL"]).scheme not in ("http", "https"):
            raise PluginError("video_jitsi: JITSI_URL must be an http(s) address")

    def join_url(self, room: Room, person: Participant) -> str:
        base = current_app.config["JITSI_URL"].rstrip("/")
        query = ""
        if current_app.config.get("JITSI_APP_ID"):
            query = "?jwt=" + self.token(room, person)
        fragment = _fragment(**{"config.subject": room.title, "userInfo.displayName": person.name})
        return f"{base}/{room.key}{query}#{fragment}"

    def token(self, room: Room, person: Participant) -> str:
        """The participant's JWT, signed with the server's app secret."""
        config = current_app.config
        now = utcnow()
        claims = {
            "iss": config["JITSI_APP_ID"],
            "aud": config["JITSI_TOKEN_AUDIENCE"],
            "sub": config["JITSI_TOKEN_SUBJECT"],
            "room": room.key,
            "nbf": now - LEEWAY,
            "iat": now,
            "exp": max(room.ends_at, now) + GRACE,
            "moderator": person.is_moderator,
            "context": {
                "user": {
                    "id": person.id,
                    "name": person.name,
                    "email": person.email,
                    "avatar": "",
                    "affiliation": "owner" if person.is_moderator else "member",
                    "moderator": "true" if person.is_moderator else "false",
                }
            },
        }
        return jwt.encode(claims, config["JITSI_APP_SECRET"], algorithm="HS256")
