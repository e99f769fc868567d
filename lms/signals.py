"""Signals of the core. Each is sent after the change it announces has been flushed."""

from blinker import Namespace

_signals = Namespace()

demo_requested = _signals.signal(
    "demo-requested",
    doc="""The demo programme should be loaded (idempotently).

    Sent by ``flask --app lms demo`` and on start-up into an empty database, with the app as
    sender. Receivers add their part of the demo and flush; the sender commits.
    """,
)
