"""The coordinators' report: figures per week on a fixed data set (checked by hand), filters,
charts, the date-range CSV, a constant number of queries, and the demo's report."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from courses.attendance import operations
from courses.reports import queries
from courses.workshops import operations as workshop_operations
from courses.workshops.models import Attendance, Audience
from lms.db import db, utcnow
from tests.support import count_queries

MADRID = ZoneInfo("Europe/Madrid")


def madrid(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MADRID).astimezone(UTC)


@pytest.fixture
def programme(make_held_workshop, make_user):
    """Two weeks of March 2026 (weeks of Monday 9 and Monday 16), plus workshops that must
    not count: one cancelled, one the week after, one the Sunday before.

    week of 9 Mar:  W1 Web,   cap 4: A present, B late, C absent, D unmarked; E, F waiting
                    W2 Legal, cap 5 (trainer T2): A present, E excused, G absent
    week of 16 Mar: W3 Web,   cap 3: B present, H present, I late; J waiting
                    W7 Nube,  cap 2, Sunday 22 at 23:30 Madrid: L present
                    W4 Web,   cancelled (K seated)
    outside:        W5 Monday 23 (A present), W6 Sunday 8 at 23:30 Madrid (A present)
    """
    t1, t2 = make_user("trainer", name="T1"), make_user("trainer", name="T2")
    a, b, c, d, g, h, i, k, ell = (make_user(name=n) for n in "ABCDGHIKL")

    def held(people, marks, trainer=t1, **kw):
        workshop, seated, waiting = make_held_workshop(seated=people, trainer=trainer, **kw)
        for person, status in zip(seated, marks, strict=True):
            if status:
                operations.mark(workshop.id, person.id, Attendance(status), by=trainer)
        db.session.commit()
        return workshop, waiting

    _w1, (e, f) = held(
        [a, b, c, d],
        ["present", "late", "absent", None],
        capacity=4,
        waiting=2,
        starts_at=madrid(10, 12),
        topic="Web",
    )
    held(
        [a, e, g],
        ["present", "excused", "absent"],
        trainer=t2,
        capacity=5,
        starts_at=madrid(12, 18),
        topic="Legal",
    )
    _w3, (j,) = held(
        [b, h, i],
        ["present", "present", "late"],
        capacity=3,
        waiting=1,
        starts_at=madrid(17, 12),
        topic="Web",
    )
    held([ell], ["present"], capacity=2, starts_at=madrid(22, 23, 30), topic="Nube")
    w4, _ = held([k], [None], capacity=10, starts_at=madrid(18, 12), topic="Web")
    workshop_operations.cancel_workshop(w4.id)
    db.session.commit()
    held([a], ["present"], starts_at=madrid(23, 10), topic="Web")
    held([a], ["present"], starts_at=madrid(8, 23, 30), topic="Web")
    people = dict(zip("ABCDEFGHIJKL", [a, b, c, d, e, f, g, h, i, j, k, ell], strict=True))
    return {"t1": t1, "t2": t2, **people}


def run(**kw) -> queries.Report:
    return queries.report(queries.Filters(date(2026, 3, 9), date(2026, 3, 22), MADRID, **kw))


def figures(f: queries.Figures) -> dict:
    return {
        "workshops": f.workshops,
        "cancelled": f.cancelled,
        "offered": f.seats_offered,
        "taken": f.seats_taken,
        "waiting": f.waiting,
        "present": f.present,
        "late": f.late,
        "absent": f.absent,
        "excused": f.excused,
        "unmarked": f.unmarked,
        "people": f.people,
    }


def test_figures_per_week_and_in_total(programme):
    # The numbers of the docstring above, counted by hand.
    report = run()
    assert [w.monday for w in report.weeks] == [date(2026, 3, 9), date(2026, 3, 16)]
    week1, week2 = (w.figures for w in report.weeks)
    assert figures(week1) == {
        "workshops": 2,
        "cancelled": 0,
        "offered": 9,
        "taken": 7,
        "waiting": 2,
        "present": 2,
        "late": 1,
        "absent": 2,
        "excused": 1,
        "unmarked": 1,
        "people": 2,
    }
    assert figures(week2) == {
        "workshops": 2,
        "cancelled": 1,
        "offered": 5,
        "taken": 4,
        "waiting": 1,
        "present": 3,
        "late": 1,
        "absent": 0,
        "excused": 0,
        "unmarked": 0,
        "people": 4,
    }
    # People reached in total: A, B, H, I, L (B came both weeks and counts once).
    assert figures(report.totals) == {
        "workshops": 4,
        "cancelled": 1,
        "offered": 14,
        "taken": 11,
        "waiting": 3,
        "present": 5,
        "late": 2,
        "absent": 2,
        "excused": 1,
        "unmarked": 1,
        "people": 5,
    }
    assert report.totals.fill_rate == pytest.approx(11 / 14)
    assert report.totals.attendance_rate == pytest.approx(7 / 11)
    assert report.totals.no_show_rate == pytest.approx(2 / 11)
    assert week1.attendance_rate == pytest.approx(3 / 7)
    assert [line.workshop.topic for line in report.workshops] == ["Web", "Legal", "Web", "Nube"]


def test_filters_by_topic_and_trainer(programme):
    # Topic Web: W1 and W3 only; trainer T2: W2 only.
    web = run(topic="Web").totals
    assert (web.workshops, web.seats_offered, web.seats_taken, web.people) == (2, 7, 7, 4)
    t2 = run(trainer_id=programme["t2"].id).totals
    assert (t2.workshops, t2.seats_taken, t2.present, t2.people) == (1, 3, 1, 1)


def test_the_report_page_shows_figures_charts_and_a_table(programme, make_user, client, login):
    # The page: totals, two SVG charts with title and description, and the weekly table.
    login(make_user("coordinator"))
    page = client.get("/reports?date_from=2026-03-09&date_to=2026-03-22").get_data(as_text=True)
    assert re.search(r'data-figure="seats_taken">11<', page)
    assert re.search(r'data-figure="fill_rate">79%<', page)
    assert re.search(r'data-figure="people">5<', page)
    assert page.count('<svg viewBox="0 0 720 260" role="img"') == 2
    assert '<title id="chart-seats-title">' in page and '<desc id="chart-rates-desc">' in page
    assert page.count('class="bar bar-') == 2 * 3 + 2 * 2
    assert '<th scope="row">2026-03-16</th>' in page
    topic_only = client.get("/reports?date_from=2026-03-09&date_to=2026-03-22&topic=Legal")
    assert re.search(r'data-figure="workshops">1<', topic_only.get_data(as_text=True))


def test_the_date_range_csv(programme, make_user, client, login):
    # The CSV of the range: every seat of the workshops held in it, cancelled ones left out.
    login(make_user("coordinator"))
    response = client.get("/reports/attendance.csv?date_from=2026-03-09&date_to=2026-03-22")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="attendance-2026-03-09-2026-03-22.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 4 + 3 + 3 + 1
    assert {r["date"] for r in rows} == {"2026-03-10", "2026-03-12", "2026-03-17", "2026-03-22"}
    assert [r["status"] for r in rows if r["date"] == "2026-03-10"] == [
        "present",
        "late",
        "absent",
        "",
    ]


@pytest.fixture
def entities(programme):
    """Entities over the programme above (B belongs to two; F only waited; K's only seat is
    in the cancelled W4; nobody belongs to Buida):

    Nord Coop: A, B, J    Sud Coop: B, H, K    Oest Coop: G, K    Nube Coop: L
    Est Assoc: F          Buida: nobody
    """
    from courses.entities import operations as entity_operations

    made = {}
    for name, members in [
        ("Nord Coop", "ABJ"),
        ("Sud Coop", "BHK"),
        ("Oest Coop", "GK"),
        ("Nube Coop", "L"),
        ("Est Assoc", "F"),
        ("Buida", ""),
    ]:
        entity = entity_operations.create_entity(name=name, kind="cooperative")
        for person in members:
            entity_operations.add_member(entity.id, db.session.merge(programme[person]))
        made[name] = entity.id
    db.session.commit()
    return made


def test_entities_reached_per_week_and_in_total(entities):
    # Week 1: Nord (A, B), Sud (B), Oest (G); week 2: Nord (B), Sud (B, H), Nube (L).
    # In total 4: each entity once; Est only waited, K's seat was in a cancelled workshop.
    report = run()
    assert [w.figures.entities for w in report.weeks] == [3, 3]
    assert report.totals.entities == 4
    # B is in two entities: the other figures are those without entities, seat by seat.
    assert (report.totals.seats_taken, report.totals.people) == (11, 5)


def test_the_entity_filter_counts_its_members_seats(entities):
    # Nord (A, B, J): W1 (A present, B late), W2 (A present), W3 (B present; J waiting).
    nord = run(entity_id=entities["Nord Coop"])
    week1, week2 = (w.figures for w in nord.weeks)
    assert figures(week1) == {
        "workshops": 2,
        "cancelled": 0,
        "offered": 9,
        "taken": 3,
        "waiting": 0,
        "present": 2,
        "late": 1,
        "absent": 0,
        "excused": 0,
        "unmarked": 0,
        "people": 2,
    }
    assert figures(week2) == {
        "workshops": 1,
        "cancelled": 0,
        "offered": 3,
        "taken": 1,
        "waiting": 1,
        "present": 1,
        "late": 0,
        "absent": 0,
        "excused": 0,
        "unmarked": 0,
        "people": 1,
    }
    t = nord.totals
    assert (t.workshops, t.seats_offered, t.seats_taken, t.waiting, t.people, t.entities) == (
        3,
        12,
        4,
        1,
        2,
        1,
    )
    assert t.fill_rate == pytest.approx(4 / 12) and t.attendance_rate == 1
    assert [line.workshop.topic for line in nord.workshops] == ["Web", "Legal", "Web"]
    # Sud (B, H, K): W1 (B late), W3 (B, H present), and K's cancelled W4.
    t = run(entity_id=entities["Sud Coop"]).totals
    assert (t.workshops, t.cancelled, t.seats_offered, t.seats_taken) == (2, 1, 7, 3)
    assert (t.present, t.late, t.people, t.entities) == (2, 1, 2, 1)
    # Est (F): left waiting in W1, never seated; Buida: nothing at all.
    t = run(entity_id=entities["Est Assoc"]).totals
    assert (t.workshops, t.seats_offered, t.seats_taken, t.waiting, t.entities) == (0, 0, 0, 1, 0)
    t = run(entity_id=entities["Buida"]).totals
    assert (t.workshops, t.seats_taken, t.waiting, t.people, t.entities) == (0, 0, 0, 0, 0)
    # With a topic too: Nord in Legal is W2 only.
    t = run(entity_id=entities["Nord Coop"], topic="Legal").totals
    assert (t.workshops, t.seats_offered, t.seats_taken, t.present) == (1, 5, 1, 1)


def test_the_report_page_filters_by_entity(entities, make_user, client, login):
    # The page offers the entities, shows entities reached, and explains an entity's figures.
    login(make_user("coordinator"))
    url = "/reports?date_from=2026-03-09&date_to=2026-03-22"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'data-figure="entities">4<', page)
    assert f'<option value="{entities["Nord Coop"]}">Nord Coop</option>' in page
    assert 'id="entity-note"' not in page
    page = client.get(f"{url}&entity={entities['Nord Coop']}").get_data(as_text=True)
    assert re.search(r'data-figure="seats_taken">4<', page)
    assert re.search(r'data-figure="entities">1<', page)
    assert 'id="entity-note"' in page
    assert page.count("<tr data-workshop-id=") == 3


def test_the_csv_names_each_persons_entities(entities, make_user, client, login):
    # The entity column: the person's entities by name, "; " between them, empty for none.
    login(make_user("coordinator"))
    url = "/reports/attendance.csv?date_from=2026-03-09&date_to=2026-03-22"
    rows = list(csv.DictReader(io.StringIO(client.get(url).get_data().decode("utf-8-sig"))))
    by_name = {(r["name"], r["date"]): r["entity"] for r in rows}
    assert [r["entity"] for r in rows if r["date"] == "2026-03-10"] == [
        "Nord Coop",
        "Nord Coop; Sud Coop",
        "",
        "",
    ]
    assert by_name[("G", "2026-03-12")] == "Oest Coop"
    assert by_name[("L", "2026-03-22")] == "Nube Coop"
    assert len(rows) == 11
    # Filtered by entity: that entity's members' seats only (A twice, B twice).
    nord = client.get(f"{url}&entity={entities['Nord Coop']}").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(nord)))
    assert [(r["name"], r["date"]) for r in rows] == [
        ("A", "2026-03-10"),
        ("B", "2026-03-10"),
        ("A", "2026-03-12"),
        ("B", "2026-03-17"),
    ]


def test_the_csv_reads_entities_in_one_query(entities, make_user, client, login):
    # One query for the rows, entities included: 11 rows (7 with entities) or none, the same.
    login(make_user("coordinator"))
    url = "/reports/attendance.csv?date_from={}&date_to={}"
    eleven_rows, eleven = _queries_for(client, url.format("2026-03-09", "2026-03-22"))
    no_rows, none = _queries_for(client, url.format("2026-04-06", "2026-04-12"))
    assert eleven_rows == no_rows
    assert (_csv_rows(eleven), _csv_rows(none)) == (11, 0)


def _queries_for(client, url: str) -> tuple[int, str]:
    """How many SQL statements answering ``url`` took, and the answer's text."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def _csv_rows(text: str) -> int:
    """The data rows of a CSV export, its header apart."""
    header, *rows = csv.reader(io.StringIO(text))
    assert header
    return len(rows)


def test_the_report_runs_a_constant_number_of_queries(make_held_workshop, make_user, client, login):
    # 2 workshops or 20 (over several weeks and topics), 1 entity or 6: the same number of SQL
    # statements, with or without the entity filter.
    from courses.entities import operations as entity_operations

    trainer = make_user("trainer")
    people = [make_user(), make_user()]
    login(make_user("coordinator"))
    url = "/reports?date_from=2026-01-01&date_to=2026-03-31"

    def entity(n: int) -> int:
        made = entity_operations.create_entity(name=f"Entity {n}", kind="association")
        for person in people:
            entity_operations.add_member(made.id, db.session.merge(person))
        db.session.commit()
        return made.id

    def add(n: int, offset: int) -> None:
        for k in range(offset, offset + n):
            workshop, _, _ = make_held_workshop(
                seated=people, trainer=trainer, starts_at=madrid(1 + k, 12), topic=f"T{k % 3}"
            )
            operations.mark(workshop.id, people[0].id, Attendance.present, by=trainer)
            db.session.commit()

    first = entity(0)
    add(2, 0)
    few, _ = _queries_for(client, url)
    few_filtered, _ = _queries_for(client, f"{url}&entity={first}")
    add(18, 2)
    for n in range(1, 6):
        entity(n)
    many, _ = _queries_for(client, url)
    assert few == many == few_filtered == _queries_for(client, f"{url}&entity={first}")[0]
    assert many <= 14  # the public figures, and up to three for the bootcamp lines


def test_the_demo_programme_has_a_report_with_charts(app, client, login):
    # The demo's two past weeks: 5 workshops, 50 seats, 42 taken, 5 never seated, 10 people.
    from courses.demo import COORDINATOR, PASSWORD, load_demo
    from lms.accounts.queries import user_by_email

    load_demo()
    db.session.commit()
    login(user_by_email(COORDINATOR[0]), password=PASSWORD)
    page = client.get("/reports").get_data(as_text=True)
    for name, value in [
        ("workshops", "5"),
        ("seats_offered", "50"),
        ("seats_taken", "42"),
        ("waiting", "5"),
        ("people", "10"),
        ("attendance_rate", "83%"),
    ]:
        assert re.search(rf'data-figure="{name}">{value}<', page), name
    assert page.count('role="img"') == 2


@pytest.mark.parametrize(
    "query",
    [
        "date_from=abc&date_to=2026-13-45&trainer=x&topic=zz",
        "date_from=1900-01-01",
        "date_to=9999-12-31",
        "date_from=2026-05-01&date_to=2026-01-01",
        "entity=99999999999999999999&trainer=99999999999999999999",
        "entity=-1&trainer=%C2%B2",
    ],
)
def test_odd_filters_never_break_the_report(query, make_user, client, login):
    # Nonsense, far-off or reversed dates and unknown filters give a page, never a 500.
    login(make_user("coordinator"))
    assert client.get(f"/reports?{query}").status_code == 200
    assert client.get(f"/reports/attendance.csv?{query}").status_code == 200


def test_the_report_csv_holds_the_same_workshops_as_the_report(
    client, make_user, make_workshop, login
):
    # The CSV lists the seats of the workshops the report counts: held and public; never a
    # cohort's meetings nor a workshop still to come.
    from courses.workshops.operations import enrol_for_demo

    learner = make_user(name="Ana")
    past = utcnow().replace(microsecond=0) - timedelta(days=2)
    held = make_workshop(title="Held", starts_at=past)
    cohort = make_workshop(title="Cohort meeting", starts_at=past, audience=Audience.cohort)
    coming = make_workshop(title="Coming")
    for workshop in (held, cohort):
        enrol_for_demo(workshop.id, learner)
    workshop_operations.enrol(coming.id, learner)
    db.session.commit()
    login(make_user("coordinator"))
    day = lambda d: d.date().isoformat()  # noqa: E731
    args = f"from={day(past - timedelta(days=1))}&to={day(utcnow() + timedelta(days=30))}"
    page = client.get(f"/reports?{args}").get_data(as_text=True)
    csv = client.get(f"/reports/attendance.csv?{args}").get_data(as_text=True)
    assert "Held" in page and "Held" in csv
    for title in ("Cohort meeting", "Coming"):
        assert title not in page and title not in csv


def test_bootcamp_cohorts_have_their_own_lines(make_cohort, make_user, make_workshop):
    # A cohort of two entities of two (four people): two of its meetings held in the dates
    # (one with three of four present or late, one with nobody marked), one moved past the
    # dates, one cancelled; one check-in recorded. The cohort's line says so; the public
    # figures do not count its meetings; another cohort that never met has no line.
    from courses.cohorts import operations as cohorts
    from courses.cohorts.models import CohortMeeting
    from courses.workshops.models import Workshop
    from tests.cohort_fixtures import make_entities

    office = make_user("coordinator")
    entities = make_entities(make_user, 2)
    cohort = make_cohort(entities=entities, referent=office, name="Bootcamp ESS")
    make_cohort(name="Sense reunions", referent=office)
    shared = db.session.scalars(
        sa.select(CohortMeeting.workshop_id)
        .where(CohortMeeting.cohort_id == cohort.id, CohortMeeting.entity_id.is_(None))
        .order_by(CohortMeeting.workshop_id)
    ).all()
    assert len(shared) >= 4
    now = utcnow().replace(microsecond=0)
    first, last = (now - timedelta(days=10)).date(), (now + timedelta(days=1)).date()
    for n, workshop_id in enumerate(shared[:4]):
        start = now - timedelta(days=(3, 5, 30, 4)[n])
        workshop_operations.update_workshop(
            workshop_id, starts_at=start, ends_at=start + timedelta(hours=1)
        )
    workshop_operations.cancel_workshop(shared[3])
    people = [m.user_id for e in entities for m in e.memberships]
    marks = dict(zip(people, [Attendance.present, Attendance.late, Attendance.present,
                              Attendance.absent], strict=True))  # fmt: skip
    operations.mark_many(shared[0], marks, by=office)
    cohorts.record_checkin(cohort.id, entities[0].id, week=1, status="on_track", recorded_by=office)
    make_held_workshop_public = make_workshop(starts_at=now - timedelta(days=2))
    db.session.commit()
    report = queries.report(queries.Filters(first, last, MADRID))
    [line] = report.bootcamps
    assert line.cohort.id == cohort.id
    assert (line.meetings, line.seats_taken, line.attended, line.checkins) == (2, 8, 3, 1)
    assert report.totals.workshops == 1  # the public one alone
    assert db.session.get(Workshop, make_held_workshop_public.id).cohort_id is None
