"""From an outbox record to the message it stands for, rendered when it is delivered.

A message enqueued with :func:`lms.notifications.operations.enqueue_facts` holds no text: only
what it states, as it was when the change happened (the recipient's name, language and time
zone, the names and times it mentions, the invitation's METHOD and SEQUENCE...). The package
that writes a family of messages (``workshop.*``, ``cohort.*``) registers a :class:`Renderer`
for it in its ``init_app``; the worker calls it after the claim has committed, outside every
lock. Rendering depends on the record alone (and the site's configuration), so a retry sends
the same bytes. Messages enqueued already rendered (:func:`~.operations.enqueue`) pass through.

A renderer that also has :class:`DigestRenderer`'s methods renders *digests*: several facts
for one person written as one message by :func:`lms.notifications.operations.batched`
(payload ``{"to_name", "digest": [{"kind", "facts"}, ...]}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import Flask, current_app

EXTENSION = "lms.notifications.renderers"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    calendar: str = ""
    calendar_method: str = ""


class Record(Protocol):
    """What a renderer may read of an outbox message (the row, or its copy made at claim)."""

    @property
    def id(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def recipient_address(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> Any: ...


class Renderer(Protocol):
    """Renders one family of messages; ``kind`` is the part after the dot (``enrolled``)."""

    def subject(self, kind: str, facts: dict[str, Any], message: Record) -> str: ...

    def render(self, kind: str, facts: dict[str, Any], message: Record) -> Rendered: ...


class DigestRenderer(Renderer, Protocol):
    """A renderer that can also write several facts for one person as one message; each item
    is ``{"kind": <in full, "workshop.enrolled">, "facts": ...}``, in the order they happened
    (items of other families may come, when their families share a digest group)."""

    def digest_subject(self, items: list[dict[str, Any]], message: Record) -> str: ...

    def render_digest(self, items: list[dict[str, Any]], message: Record) -> Rendered: ...


def register(app: Flask, family: str, renderer: Renderer) -> None:
    app.extensions.setdefault(EXTENSION, {})[family] = renderer


def _renderer(message: Record) -> tuple[Renderer, str]:
    family, _, kind = message.kind.partition(".")
    renderers = current_app.extensions.get(EXTENSION, {})
    if family not in renderers:
        raise LookupError(f"no renderer for the messages {message.kind!r}")
    return renderers[family], kind


def digests(kind: str) -> bool:
    """Whether the renderer of ``kind``'s family writes digests."""
    renderer = current_app.extensions.get(EXTENSION, {}).get(kind.partition(".")[0])
    return hasattr(renderer, "render_digest")


def render(message: Record) -> Rendered:
    p = message.payload
    if "digest" in p:
        renderer, _kind = _renderer(message)
        return cast(DigestRenderer, renderer).render_digest(p["digest"], message)
    if "facts" not in p:
        return Rendered(
            p.get("subject", ""),
            p.get("text", ""),
            p.get("html", ""),
            p.get("calendar", ""),
            p.get("calendar_method", ""),
        )
    renderer, kind = _renderer(message)
    return renderer.render(kind, p["facts"], message)


def subject(message: Record) -> str:
    """The subject alone (the deliveries page): cheaper than the whole message."""
    p = message.payload
    if "digest" in p:
        renderer, _kind = _renderer(message)
        return cast(DigestRenderer, renderer).digest_subject(p["digest"], message)
    if "facts" not in p:
        return p.get("subject", "")
    renderer, kind = _renderer(message)
    return renderer.subject(kind, p["facts"], message)
