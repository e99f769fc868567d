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

cohort_place_changed = _signals.signal(
    "cohort-place-changed",
    doc="""An entity's place in a bootcamp cohort changed. Sender: the CohortPlace.

    ``previous``: the PlaceState before (None for a new place).
    ``reason``: ``admitted``, ``waitlisted``, ``promoted`` (admitted from the waiting list)
    or ``left``. Its members' enrolments in the cohort's meetings change through
    ``enrolment_changed`` as usual; this one is for a message about the cohort itself.
    """,
)

mentor_assigned = _signals.signal(
    "mentor-assigned",
    doc="""A cohort entity was paired with a mentor, or unpaired (``place.mentor`` is then
    None). Sender: the CohortPlace.

    ``previous``: the former mentor (a User) or None. The mentor's meetings were handed over
    with ``workshop_changed`` (``changes={"trainer_id": ...}``).
    """,
)

checkin_recorded = _signals.signal(
    "checkin-recorded",
    doc="""A weekly check-in was recorded or updated. Sender: the CheckIn.

    ``created``: False when an earlier check-in of the same week was updated.
    """,
)

checkin_missing = _signals.signal(
    "checkin-missing",
    doc="""A week's check-in of a cohort entity is missing after its check-in meeting ended.
    Sender: the CohortPlace. ``week``: the cohort week. Sent once per entity and week by
    ``courses.cohorts.operations.remind_missing_checkins`` (``flask cohorts remind``), so a
    receiver can write the reminder to the mentor and the entity's referent.
    """,
)

another_date_offered = _signals.signal(
    "another-date-offered",
    doc="""A coordinator opened another date of a workshop for the people waiting for it.
    Sender: the new Workshop (``offered_from`` is the first one).

    ``original``: the Workshop whose waiting list is offered the new date.
    ``enrolments``: the waiting enrolments of ``original``, in waiting-list order; each person
    may take the new date (``operations.take_another_date``), which enrols them there and
    takes them off the first list (an ``enrolment_changed`` with reason ``withdrawn``).
    """,
)

entity_member_added = _signals.signal(
    "entity-member-added",
    doc="""A person joined an entity. Sender: the Entity (locked). ``user``: the new member.

    Sent after the membership is flushed. A receiver may refuse the change by raising a
    ``lms.errors.DomainError`` (a cohort refuses the entity's own mentor as its member); the
    caller then rolls back. Cohorts enrol the new member in the entity's coming meetings.
    """,
)

entity_member_removed = _signals.signal(
    "entity-member-removed",
    doc="""A person left an entity. Sender: the Entity (locked). ``user_id``: who left.
    Cohorts withdraw them from the entity's coming meetings.""",
)

diagnosis_recorded = _signals.signal(
    "diagnosis-recorded",
    doc="""An entity's initial diagnosis was recorded or redone. Sender: the Diagnosis, whose
    ``track`` is set. Cohorts set ``suggested_itinerary_id`` (the newest itinerary labelled
    for the track).""",
)

entity_access = _signals.signal(
    "entity-access",
    doc="""Asked (not announced): what may ``user`` do with an entity beyond what its members
    and the coordinators may? Sender: the Entity. Each receiver returns a set of
    ``courses.entities.permissions.EntityRight`` (empty when it grants nothing); a cohort
    grants its mentor and its referent the entity's page, and the mentor its diagnosis.""",
)

consultation_changed = _signals.signal(
    "consultation-changed",
    doc="""An advice-desk consultation was booked, moved or cancelled. Sender: the
    Consultation (its workshop already follows: the requester's place in it carries their
    invitation). ``change``: ``booked``, ``rescheduled`` or ``cancelled``. Receivers tell its
    advisor, who trains the workshop and so holds no place in it.""",
)
