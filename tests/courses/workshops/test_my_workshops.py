"""'My workshops' is the person's agenda: next first, then waiting places with their position,
then past ones with attendance and certificate; giving up a place asks first."""

from __future__ import annotations

import re
from datetime import timedelta

from courses.attendance import operations as attendance
from courses.workshops import operations
from courses.workshops.models import Attendance, EnrolmentState
from lms.db import db, utcnow
from tests.support import fresh


def cards(page: str, section: str) -> list[str]:
    """The titles of the cards in one section of the agenda, in order."""
    found = re.search(rf'<section class="agenda agenda-{section}".*?</section>', page, re.S)
    if not found:
        return []
    return re.findall(r'<h3 class="card-title"><a [^>]*>([^<]+)</a>', found.group(0))


def test_the_agenda_puts_next_then_waiting_then_past(
    make_held_workshop, make_workshop, make_user, client, login
):
    # Under way and coming seats soonest first; waiting places with their number; past seats
    # latest first, with the attendance and, for those attended, the certificate.
    ana = make_user()
    now = utcnow().replace(microsecond=0)
    older, _, _ = make_held_workshop(seated=[ana], starts_at=now - timedelta(days=3), title="Older")
    newer, _, _ = make_held_workshop(
        seated=[ana], starts_at=now - timedelta(days=1), title="Newer", capacity=1
    )
    make_held_workshop(seated=[ana], starts_at=now - timedelta(minutes=10), title="Under way")
    attendance.mark(older.id, ana.id, Attendance.present, by=older.trainer)
    attendance.mark(newer.id, ana.id, Attendance.absent, by=newer.trainer)
    later = make_workshop(title="Later", starts_at=now + timedelta(days=5))
    soon = make_workshop(title="Soon", starts_at=now + timedelta(days=2))
    full = make_workshop(title="Full one", capacity=1, starts_at=now + timedelta(days=3))
    for workshop, person in ((later, ana), (soon, ana), (full, make_user()), (full, make_user())):
        operations.enrol(workshop.id, person)
    operations.enrol(full.id, ana)
    db.session.commit()
    login(ana)
    page = client.get("/me/workshops").get_data(as_text=True)
    assert cards(page, "next") == ["Under way", "Soon", "Later"]
    assert cards(page, "waiting") == ["Full one"]
    assert cards(page, "past") == ["Newer", "Older"]
    assert page.index('id="agenda-next"') < page.index('id="agenda-waiting"')
    assert page.index('id="agenda-waiting"') < page.index('id="agenda-past"')
    assert "You are number 2 on the waiting list" in page
    past = page[page.index('id="agenda-past"') :]
    assert "Attendance: Absent" in past and "Attendance: Present" in past
    assert past.count('class="certificate-link"') == 1
    assert f'href="/workshops/{older.id}/certificate"' in past
    # A person with a place sees no seat counts, and a past card never offers the list.
    assert "Full: join the waiting list" not in page and "seats left" not in page


def test_a_past_full_workshop_never_offers_its_waiting_list(
    make_held_workshop, make_user, client, login
):
    # In the trainer's "Workshops I teach" too: started or over, a card offers nothing.
    workshop, _, _ = make_held_workshop(seated=1, waiting=1)
    login(workshop.trainer)
    page = client.get("/me/workshops").get_data(as_text=True)
    assert f'data-workshop-id="{workshop.id}"' in page
    assert "Full: join the waiting list" not in page and "seat left" not in page


def test_giving_up_a_seat_asks_first(make_workshop, make_user, client, login):
    # The workshop page's "Give up my seat" leads to a question; reading it changes nothing;
    # "Yes" gives the seat up (to the first waiting), "No" leads back with the seat kept.
    workshop = make_workshop(capacity=1)
    ana, ben = make_user(), make_user()
    operations.enrol(workshop.id, ana)
    operations.enrol(workshop.id, ben)
    db.session.commit()
    login(ana)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert f'href="/workshops/{workshop.id}/withdraw"' in page
    assert f'action="/workshops/{workshop.id}/withdraw"' not in page
    question = client.get(f"/workshops/{workshop.id}/withdraw")
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert "Give up your seat?" in text and "goes at once to the first person waiting" in text
    assert f'action="/workshops/{workshop.id}/withdraw"' in text
    assert f'href="/workshops/{workshop.id}" id="keep-place"' in text
    assert fresh(workshop).enrolled_count == 1
    from courses.workshops.queries import place

    assert place(workshop.id, ana.id).enrolment.state is EnrolmentState.enrolled
    assert client.post(f"/workshops/{workshop.id}/withdraw").status_code == 303
    db.session.rollback()
    assert place(workshop.id, ana.id).enrolment.state is EnrolmentState.withdrawn
    assert place(workshop.id, ben.id).enrolment.state is EnrolmentState.enrolled


def test_leaving_the_waiting_list_asks_first_and_says_the_number(
    make_workshop, make_user, client, login
):
    # The question names the place in the list; with no live place it leads back to the page.
    workshop = make_workshop(capacity=1)
    ana = make_user()
    operations.enrol(workshop.id, make_user())
    operations.enrol(workshop.id, ana)
    db.session.commit()
    login(ana)
    text = client.get(f"/workshops/{workshop.id}/withdraw").get_data(as_text=True)
    assert "Leave the waiting list?" in text and "You are number 1 on the waiting list." in text
    login(make_user())
    response = client.get(f"/workshops/{workshop.id}/withdraw")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/workshops/{workshop.id}")
