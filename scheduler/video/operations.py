"""Every way a video room changes, and the provider hooks that follow a workshop's life.

Provider hooks that may talk to an outside server run after the commit of the change that
called for them (:func:`after_commit`), best effort: a failure is logged, never undoes the
change. A person's join address is asked for outside any transaction (:func:`address_for`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from courses.attendance.operations import record_join
from courses.workshops.models import Workshop
from lms.db import begin_write, db
from lms.errors import DomainError
from lms.plugins.video import Room, RoomRole, RoomUnavailable, optional

from . import queries
from .link import is_web_address
from .models import VideoRoom, new_room_key

log = logging.getLogger(__name__)
_PENDING = "aula_video_after_commit"


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction commits; forget it on rollback."""
    db.session().info.setdefault(_PENDING, []).append(action)


def _run_pending(session: sa.orm.Session) -> None:
    for action in session.info.pop(_PENDING, []):
        try:
            action()
        except Exception:
            log.exception("a video provider hook failed after commit")


def _drop_pending(session: sa.orm.Session) -> None:
    session.info.pop(_PENDING, None)


def listen_to_commits() -> None:
    if not sa.event.contains(sa.orm.Session, "after_commit", _run_pending):
        sa.event.listen(sa.orm.Session, "after_commit", _run_pending)
        sa.event.listen(sa.orm.Session, "after_rollback", _drop_pending)


def _call_hook(room: VideoRoom, workshop: Workshop, hook: str) -> None:
    """Queue ``hook`` of the room's provider for after the commit."""
    found = queries.provider(queries.provider_name(room))
    if found is None:
        return
    spec = queries.room_spec(workshop, room)
    after_commit(lambda: optional(found, hook)(spec))


def create_room(workshop: Workshop) -> VideoRoom:
    """Give the workshop its room (inside the caller's transaction)."""
    room = VideoRoom(workshop_id=workshop.id, key=new_room_key(), provider=None, link="")
    db.session.add(room)
    db.session.flush()
    _call_hook(room, workshop, "create_room")
    return room


def ensure_room(workshop: Workshop) -> VideoRoom:
    """The workshop's room, made and committed now if it predates the video rooms."""
    room = queries.room_of(workshop.id)
    if room is not None:
        return room
    begin_write()
    room = queries.room_of(workshop.id)
    if room is not None:
        return room
    try:
        create_room(db.session.merge(workshop))
        db.session.commit()
    except IntegrityError:  # another request made it first
        db.session.rollback()
    room = queries.room_of(workshop.id)
    assert room is not None, "made by this request or the one that came first"
    return room


def set_room(workshop: Workshop, provider: str | None, link: str) -> VideoRoom:
    """The trainer's choice for one workshop: a provider (None: the site's), and a link for
    providers that need one."""
    link = (link or "").strip()
    name = provider or current_app.config["VIDEO_PROVIDER"]
    chosen = queries.provider(name)
    if chosen is None or (provider and name not in dict(queries.choices())):
        raise DomainError(_l("That video service is not available here."), code="bad_provider")
    if link and not is_web_address(link):
        raise DomainError(
            _l("The room's address must be a web address (https://…)."), code="bad_link"
        )
    if len(link) > 2000:
        raise DomainError(_l("The room's address is too long."), code="bad_link")
    if optional(chosen, "needs_link") and not link:
        raise DomainError(_l("Please paste the room's address."), code="missing_link")
    begin_write()  # whether the provider changed is decided on what the room holds now
    room = queries.room_of(workshop.id)
    if room is None:
        room = VideoRoom(workshop_id=workshop.id, key=new_room_key())
        db.session.add(room)
        changed = True
    else:
        changed = room.provider != provider
    room.provider, room.link = provider, link
    db.session.flush()
    if changed:  # the chosen provider opens its room, once
        _call_hook(room, workshop, "create_room")
    return room


def address_for(workshop: Workshop, user: Any, role: RoomRole) -> str:
    """The provider's address for this person. Ends the current (read) transaction first:
    the provider may talk to its server, and no lock may be held meanwhile."""
    room = ensure_room(workshop)
    found = queries.provider(queries.provider_name(room))
    spec: Room = queries.room_spec(workshop, room)
    person = queries.participant(user, role)
    db.session.rollback()
    if found is None:
        raise RoomUnavailable()
    return found.join_url(spec, person)


def note_join(workshop_id: int, user_id: int) -> None:
    """Record that the person went in (attendance reads it); the caller commits."""
    begin_write()
    record_join(workshop_id, user_id)


def _on_workshop_created(workshop: Workshop, **_: Any) -> None:
    create_room(workshop)


def _on_workshop_changed(workshop: Workshop, *, rescheduled: bool = False, **_: Any) -> None:
    room = queries.room_of(workshop.id)
    if rescheduled and room is not None:
        _call_hook(room, workshop, "reschedule_room")


def _on_workshop_cancelled(workshop: Workshop, **_: Any) -> None:
    room = queries.room_of(workshop.id)
    if room is not None:
        _call_hook(room, workshop, "close_room")


def connect_signals() -> None:
    from courses.signals import workshop_cancelled, workshop_changed, workshop_created

    workshop_created.connect(_on_workshop_created)
    workshop_changed.connect(_on_workshop_changed)
    workshop_cancelled.connect(_on_workshop_cancelled)
    listen_to_commits()
