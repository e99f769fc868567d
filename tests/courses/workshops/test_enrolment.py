"""The seat rules of design.md (invariants 1-3), one process at a time."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.signals import enrolment_changed
from courses.workshops import operations, queries
from courses.workshops.models import Enrolment
from lms.db import db, utcnow
from lms.errors import Conflict, DomainError


def states(workshop):
    rows = db.session.execute(
        sa.select(Enrolment.user_id, Enrolment.state)
        .where(Enrolment.workshop_id == workshop.id)
        .order_by(Enrolment.arrival)
    )
    return {user_id: state.value for user_id, state in rows}


def test_enrol_until_full_then_wait_in_order(make_workshop, make_user):
    # The first `capacity` people get seats; the rest wait in the order they came.
    workshop = make_workshop(capacity=2)
    people = [make_user() for _ in range(4)]
    for person in people:
        operations.enrol(workshop.id, person)
        db.session.commit()
    assert [queries.place(workshop.id, p.id).position for p in people] == [None, None, 1, 2]
    assert (workshop.enrolled_count, workshop.waitlist_count) == (2, 2)


def test_repeating_an_enrolment_changes_nothing(make_workshop, make_user):
    # Asking twice returns the same enrolment and creates no second one.
    workshop = make_workshop(capacity=1)
    ana = make_user()
    first, created = operations.enrol(workshop.id, ana)
    again, created_again = operations.enrol(workshop.id, ana)
    db.session.commit()
    assert created and not created_again and first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_withdrawal_gives_the_seat_to_the_first_waiting(make_workshop, make_user):
    # A freed seat goes at once, in the same transaction, to the first person waiting.
    workshop = make_workshop(capacity=1)
    ana, ben, cai = make_user(), make_user(), make_user()
    for person in (ana, ben, cai):
        operations.enrol(workshop.id, person)
    heard = []
    with enrolment_changed.connected_to(
        lambda e, **kw: heard.append((e.user_id, kw["reason"].value))
    ):
        operations.withdraw(workshop.id, ana.id)
    db.session.commit()
    assert states(workshop) == {ana.id: "withdrawn", ben.id: "enrolled", cai.id: "waitlisted"}
    assert heard == [(ana.id, "withdrawn"), (ben.id, "promoted")]
    assert queries.place(workshop.id, cai.id).position == 1


def test_coming_back_after_withdrawing_queues_at_the_end(make_workshop, make_user):
    # Withdrawing and enrolling again is a new arrival: behind those already waiting.
    workshop = make_workshop(capacity=1)
    ana, ben, cai = make_user(), make_user(), make_user()
    for person in (ana, ben, cai):
        operations.enrol(workshop.id, person)
    operations.withdraw(workshop.id, ben.id)
    operations.enrol(workshop.id, ben)
    db.session.commit()
    assert queries.place(workshop.id, cai.id).position == 1
    assert queries.place(workshop.id, ben.id).position == 2


def test_raising_capacity_fills_seats_and_lowering_below_enrolled_is_refused(
    make_workshop, make_user
):
    # More seats are given to those waiting at once; fewer seats than people seated is refused.
    workshop = make_workshop(capacity=1)
    people = [make_user() for _ in range(4)]
    for person in people:
        operations.enrol(workshop.id, person)
    operations.update_workshop(workshop.id, capacity=3)
    db.session.commit()
    assert [states(workshop)[p.id] for p in people] == [
        "enrolled",
        "enrolled",
        "enrolled",
        "waitlisted",
    ]
    with pytest.raises(Conflict, match="cannot go below"):
        operations.update_workshop(workshop.id, capacity=2)
    db.session.rollback()
    assert workshop.capacity == 3


def test_cancelled_or_started_workshops_take_no_enrolment(make_workshop, make_user):
    # A cancelled workshop and one that has begun refuse new people.
    cancelled = make_workshop()
    operations.cancel_workshop(cancelled.id)
    db.session.commit()
    with pytest.raises(Conflict, match="cancelled"):
        operations.enrol(cancelled.id, make_user())
    db.session.rollback()
    started = make_workshop(starts_at=utcnow() - timedelta(minutes=5))
    with pytest.raises(Conflict, match="started"):
        operations.enrol(started.id, make_user())


def test_give_seat_adds_a_seat_rather_than_overbooking(make_workshop, make_user):
    # A trainer's exception seats the chosen person by adding a seat, skipping nobody's seat.
    workshop = make_workshop(capacity=1)
    ana, ben, cai = make_user(), make_user(), make_user()
    for person in (ana, ben, cai):
        operations.enrol(workshop.id, person)
    operations.give_seat(workshop.id, cai.id)
    db.session.commit()
    assert workshop.capacity == 2 and workshop.enrolled_count == 2
    assert states(workshop) == {ana.id: "enrolled", ben.id: "waitlisted", cai.id: "enrolled"}


def test_the_database_itself_refuses_overbooking(make_workshop):
    # Even code that skipped the operations could not seat more people than the capacity.
    workshop = make_workshop(capacity=1)
    workshop.enrolled_count = 2
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()


def test_bad_workshop_input_is_refused(make_user):
    # Times without a zone, an end before the start and a zero capacity are refused plainly.
    trainer = make_user("trainer")
    start = utcnow() + timedelta(days=1)
    for kwargs, message in [
        ({"ends_at": start - timedelta(hours=1)}, "end after"),
        ({"capacity": 0}, "capacity"),
        ({"timezone": "Europe/Nowhere"}, "time zone"),
    ]:
        args = {
            "trainer": trainer,
            "title": "T",
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "timezone": "Europe/Madrid",
        } | kwargs
        with pytest.raises(DomainError, match=message):
            operations.create_workshop(**args)
    with pytest.raises(DomainError, match="trainer"):
        operations.create_workshop(
            trainer=make_user(),
            title="T",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/Madrid",
        )


def test_enrol_and_withdraw_on_the_web(client, make_workshop, make_user, login):
    # A learner enrols from the workshop page, sees their waiting place, and gives it up.
    workshop = make_workshop(capacity=1)
    operations.enrol(workshop.id, make_user())
    db.session.commit()
    login(make_user())
    page = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True).get_data(
        as_text=True
    )
    assert "number 1 on the waiting list" in page
    assert "number 1 on the waiting list" in client.get("/me/workshops").get_data(as_text=True)
    page = client.post(f"/workshops/{workshop.id}/withdraw", follow_redirects=True).get_data(
        as_text=True
    )
    assert "You have given up your place." in page
    assert client.post(f"/workshops/{workshop.id}/withdraw").status_code == 303


def test_catalogue_filters_by_topic_and_date(client, make_workshop):
    # The catalogue lists upcoming public workshops, filtered by topic and date.
    soon = make_workshop(
        title="Soon", topic="Web", starts_at=(utcnow() + timedelta(days=2)).replace(microsecond=0)
    )
    later = make_workshop(
        title="Later",
        topic="Legal",
        starts_at=(utcnow() + timedelta(days=20)).replace(microsecond=0),
    )
    page = client.get("/").get_data(as_text=True)
    assert "Soon" in page and "Later" in page
    assert "Later" not in client.get("/?topic=Web").get_data(as_text=True)
    cutoff = (utcnow() + timedelta(days=5)).date().isoformat()
    assert "Later" not in client.get(f"/?to={cutoff}").get_data(as_text=True)
    assert "Soon" not in client.get(f"/?from={cutoff}").get_data(as_text=True)
    assert client.get("/?from=garbage&to=31-31-31").status_code == 200
    assert soon.id != later.id


def test_catalogue_and_my_workshops_take_the_same_queries_whatever_their_size(
    app, client, make_workshop, make_user, login
):
    # The catalogue and "my workshops" cost a fixed number of SQL queries, not one per workshop.
    from tests.support import count_queries

    learner = login(make_user())
    trainer = make_user("trainer")

    def queries_for(n: int) -> tuple[int, int]:
        for _ in range(n):
            workshop = make_workshop(trainer=make_user("trainer") if n > 2 else trainer)
            operations.enrol(workshop.id, learner)
            db.session.commit()
        with count_queries() as catalogue:
            assert client.get("/").status_code == 200
        with count_queries() as mine:
            assert client.get("/me/workshops").status_code == 200
        return len(catalogue), len(mine)

    few = queries_for(2)
    assert min(few) > 0  # the counter does see the pages' queries
    assert queries_for(10) == few
