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


account_closing = _signals.signal(
    "account-closing",
    doc="""A person closes their account: every feature lets go of what it holds of them.

    Sent by ``lms.accounts.operations.close_account`` with the person as sender, inside the
    write transaction, before the account itself is made anonymous. Receivers withdraw the
    person from what is still to come (their seats go to the next waiting, as any withdrawal),
    delete what identifies them, keep what counts anonymously (past attendance, cases for the
    figures) and flush; the sender commits.
    """,
)
