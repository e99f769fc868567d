"""The ``lms.notify`` plugin type: delivery channels for the notification outbox.

A channel plugin is published in the entry-point group ``lms.notify`` as ``notify_<channel>``
(the built-in ``notify_email`` delivers the outbox's ``email`` messages). The worker hands it
one :class:`OutgoingMessage` at a time, after the transaction that claimed it has committed.

Contract of :meth:`NotifyPlugin.deliver`:

- return normally once the message has been handed over (accepted by the mail server, say);
- raise :class:`PermanentDeliveryError` when trying again cannot help (an address the server
  refuses): the message is marked failed at once;
- raise anything else for a passing failure: the outbox retries with backoff.

The same message may be delivered again after a crash between hand-over and bookkeeping, so
a channel passes ``message_id`` on (e-mail's ``Message-ID``) for the far end to recognise it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from . import register_type


class PermanentDeliveryError(Exception):
    """Delivery cannot succeed however often it is tried."""


@dataclass(frozen=True)
class OutgoingMessage:
    """One message, ready to send: rendered by whoever enqueued it, in the reader's language."""

    #: The outbox's id of the message.
    id: int
    #: What it reports, e.g. ``workshop.enrolled``; for logs and the deliveries page.
    kind: str
    #: Stable for the life of the message, whatever the number of attempts.
    message_id: str
    to_address: str
    to_name: str
    subject: str
    text: str
    html: str = ""
    #: An iTIP calendar object (RFC 5546) and its METHOD, for channels that carry one.
    calendar: str = ""
    calendar_method: str = ""


@runtime_checkable
class NotifyPlugin(Protocol):
    """A delivery channel. Required: ``name``, ``version``, ``channel`` and ``deliver``."""

    name: str
    version: str
    #: The outbox channel it serves, e.g. ``email``; its name is ``notify_<channel>``.
    channel: str

    def deliver(self, message: OutgoingMessage) -> None: ...


notify_type = register_type("notify", NotifyPlugin, "delivery channels of the notification outbox")
