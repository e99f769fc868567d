"""What ``courses`` announces. Each signal is sent after the change is flushed, inside the
transaction that made it, so a receiver that writes (an outbox message, say) commits or rolls
back with the change itself."""

from blinker import Namespace

_signals = Namespace()

workshop_created = _signals.signal(
    "workshop-created",
    doc="""A workshop was created. Sender: the Workshop.""",
)

workshop_changed = _signals.signal(
    "workshop-changed",
    doc="""A workshop's details changed. Sender: the Workshop.

    ``changes``: ``{field: (old, new)}`` for each field that changed (``title``,
    ``description``, ``topic``, ``starts_at``, ``ends_at``, ``timezone``, ``capacity``...).
    ``rescheduled``: True when the start, the end or the zone moved, which calendars must follow
    (``Workshop.sequence`` was raised).
    """,
)

workshop_cancelled = _signals.signal(
    "workshop-cancelled",
    doc="""A workshop was cancelled. Sender: the Workshop.

    ``enrolments``: the enrolments that were live (enrolled or waiting) at that moment.
    """,
)

enrolment_changed = _signals.signal(
    "enrolment-changed",
    doc="""Someone's place in a workshop changed. Sender: the Enrolment.

    ``previous``: the EnrolmentState before (None for a new enrolment).
    ``reason``: an EnrolmentChange: ``enrolled``, ``waitlisted``, ``promoted``, ``withdrawn``
    or ``removed``.
    """,
)
