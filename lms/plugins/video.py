"""The ``lms.video`` plugin type: video rooms for dated sessions.

A provider is published in the entry-point group ``lms.video`` as ``video_<name>`` (the
built-ins are ``video_jitsi``, ``video_bbb`` and ``video_link``) and is an object (or a class
the registry instantiates without arguments) with:

Required, no default:
    ``name``, ``version``: as every plugin (:class:`lms.plugins.PluginMeta`).
    ``label``: the provider's name for people, e.g. ``"Jitsi Meet"``.
    ``join_url(room, person) -> str``: the absolute address that lets ``person`` into
        ``room`` with ``person.role``. It may talk to the provider's server (BigBlueButton's
        ``create``); Aula calls it outside any database transaction, only for someone it
        has already let through, and never logs or shows the answer. It raises
        :class:`RoomUnavailable` when the room cannot be opened now.

Optional, with the safe defaults of :class:`VideoProviderBase`:
    ``needs_link`` (False): the trainer must paste an address for the room (``Room.link``).
    ``is_available() -> bool`` (True): whether the site's configuration lets trainers pick it.
    ``check_config() -> None``: raise :class:`lms.plugins.PluginError` at start-up when the
        site's settings for this provider are wrong (half set, a weak secret...).
    ``create_room(room)``, ``reschedule_room(room)``, ``close_room(room)`` (do nothing):
        a workshop got a room, moved, or was cancelled. Called after the change is committed,
        best effort: a failure is logged and never undoes the change. They must not use the
        database (the session has just committed).

Every hook runs inside the app context and reads its settings from ``current_app.config``.
The hooks see a :class:`Room` and a :class:`Participant`, never the domain's models: the core
stays ignorant of workshops and courses. A provider does not have to subclass
:class:`VideoProviderBase`; :func:`optional` supplies a missing optional hook.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from . import register_type


class RoomRole(enum.Enum):
    #: Runs the room: the workshop's trainer, a coordinator.
    moderator = "moderator"
    #: Takes part: an enrolled learner.
    viewer = "viewer"


@dataclass(frozen=True)
class Room:
    """One session's room, as a provider sees it."""

    #: The room's unguessable name, stable for the session's whole life.
    key: str
    title: str
    starts_at: datetime
    ends_at: datetime
    #: The session's IANA zone.
    timezone: str
    #: An address pasted by the trainer, for providers that need one; else "".
    link: str = ""
    #: The session's page on the site (where to go back to after the call); may be "".
    page_url: str = ""


@dataclass(frozen=True)
class Participant:
    """One person about to enter a room."""

    id: str
    name: str
    email: str
    role: RoomRole

    @property
    def is_moderator(self) -> bool:
        return self.role is RoomRole.moderator


class RoomUnavailable(Exception):
    """The room cannot be opened now; ``message`` (optional, translated) says why."""

    def __init__(self, message: Any = None):
        super().__init__(str(message or "room unavailable"))
        self.message = message


@runtime_checkable
class VideoProvider(Protocol):
    """The required part of a video provider (see the module's documentation)."""

    name: str
    version: str
    label: str

    def join_url(self, room: Room, person: Participant) -> str: ...


class VideoProviderBase:
    """Safe defaults for the optional hooks; providers may subclass it."""

    needs_link: bool = False

    def is_available(self) -> bool:
        return True

    def check_config(self) -> None:
        return None

    def create_room(self, room: Room) -> None:
        return None

    def reschedule_room(self, room: Room) -> None:
        return None

    def close_room(self, room: Room) -> None:
        return None


def optional(provider: Any, hook: str) -> Any:
    """The provider's optional ``hook``, or the safe default of :class:`VideoProviderBase`."""
    found = getattr(provider, hook, None)
    if found is not None:
        return found
    default = getattr(VideoProviderBase, hook)
    return default.__get__(provider) if callable(default) else default


VIDEO = register_type("video", VideoProvider, "video rooms for workshops")
