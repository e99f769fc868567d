"""Cohort and entity pages: the coordinator's forms and dashboard, an entity's own page, the
demo cohort, and who may open what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.db import db, utcnow
from tests.cohort_fixtures import STEPS, ZONE, cohort_start_across_dst, make_entities
from tests.support import form_values, fresh


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user("coordinator", name="Oficina"))


def _builder_form(name="Itinerari web"):
    data = {"name": name, "description": "", "track": "tools"}
    for n, step in enumerate(STEPS):
        for key in ("kind", "title", "week", "weekday", "start_time", "duration_minutes"):
            data[f"steps-{n}-{key}"] = str(step[key])
        data[f"steps-{n}-repeat_every_weeks"] = str(step.get("repeat_every_weeks", 1))
        data[f"steps-{n}-repeat_count"] = str(step.get("repeat_count", 1))
    for n in range(len(STEPS), 8):
        data[f"steps-{n}-kind"] = ""
    return data


def test_coordinator_builds_opens_admits_and_sees_the_dashboard(client, coordinator, make_user):
    # Through the pages: an itinerary, a cohort, entities admitted (one waiting), a mentor
    # paired, a check-in recorded, and the dashboard shows it all.
    from courses.cohorts.models import Cohort, Itinerary

    r = client.post("/itineraries/new", data=_builder_form())
    assert r.status_code == 303, r.get_data(as_text=True)
    db.session.rollback()
    itinerary = db.session.scalars(sa.select(Itinerary)).one()
    assert len(itinerary.steps) == len(STEPS)
    starts_on, _ = cohort_start_across_dst()
    r = client.post(
        "/cohorts/new",
        data={"name": "Cohort web", "itinerary_id": itinerary.id,
              "starts_on": starts_on.isoformat(), "timezone": ZONE, "capacity": "2"},
    )  # fmt: skip
    assert r.status_code == 303
    db.session.rollback()
    cohort = db.session.scalars(sa.select(Cohort)).one()
    entities = make_entities(make_user, 3, prefix="Ateneu")
    for entity in entities:
        r = client.post(f"/cohorts/{cohort.id}/entities", data={"entity_id": entity.id})
        assert r.status_code == 303
    db.session.rollback()
    mentor = make_user("trainer", name="Mentora Colectic")
    r = client.post(f"/cohorts/{cohort.id}/entities/{entities[0].id}/mentor",
                    data={"user_id": mentor.id})  # fmt: skip
    assert r.status_code == 303
    r = client.post(f"/cohorts/{cohort.id}/entities/{entities[1].id}/mentor",
                    data={"user_id": entities[1].memberships[0].user_id})  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/cohorts/{cohort.id}", follow_redirects=False).get_data(as_text=True)
    assert "Mentora Colectic" in page
    r = client.post(
        f"/cohorts/{cohort.id}/entities/{entities[0].id}/check-in",
        data={"week": "1", "status": "at_risk", "notes": "Falta temps"},
    )
    assert r.status_code == 303
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "2 of 2 entities" in page
    assert "At risk" in page and "Ateneu 3" in page.split('id="waiting-entities"')[1]
    assert "Casos referents" in page.split('id="next-dates"')[1]
    assert fresh(cohort).admitted_count == 2


def test_an_itinerary_is_copied_into_the_builder_and_saved_as_a_new_one(
    client, coordinator, make_user, login, make_programme
):
    # "Copy and adjust" opens the builder filled with the itinerary's name, track and every
    # step; saved as the browser would send it (one step adjusted), it is a second itinerary
    # with the same steps but that one, and the first is unchanged. Another programme's
    # coordinator cannot copy it (404).
    from courses.cohorts.models import Itinerary

    assert client.post("/itineraries/new", data=_builder_form()).status_code == 303
    db.session.rollback()
    first = db.session.scalars(sa.select(Itinerary)).one()
    index = client.get("/cohorts").get_data(as_text=True)
    assert f'href="/itineraries/new?copy={first.id}"' in index
    page = client.get(f"/itineraries/new?copy={first.id}").get_data(as_text=True)
    sent = form_values(page, "itinerary-builder")
    assert sent["name"] == "Itinerari web (copy)" and sent["track"] == "tools"
    assert sent["steps-1-title"] == STEPS[1]["title"]
    sent["steps-1-title"] = "Seguiment setmanal"
    assert client.post("/itineraries/new", data=sent).status_code == 303
    db.session.rollback()
    first, copy = db.session.scalars(sa.select(Itinerary).order_by(Itinerary.id)).all()
    steps = lambda i: [(s.kind, s.title, s.week, s.weekday, s.start_time, s.duration_minutes,  # noqa: E731
                        s.repeat_every_weeks, s.repeat_count) for s in i.steps]  # fmt: skip
    assert copy.name == "Itinerari web (copy)"
    assert [s[1] for s in steps(first)] == [s["title"] for s in STEPS]
    assert [s for n, s in enumerate(steps(copy)) if n != 1] == [
        s for n, s in enumerate(steps(first)) if n != 1
    ]
    assert steps(copy)[1][1] == "Seguiment setmanal"
    elsewhere = make_programme(name="Un altre programa", locale="ca")
    login(make_user("coordinator", name="Altra oficina", programme=elsewhere))
    assert client.get(f"/itineraries/new?copy={first.id}").status_code == 404
    assert client.get("/itineraries/new?copy=99999999999999999999").status_code == 404


def test_a_meeting_page_leads_back_to_its_cohort_and_offers_no_other_date(
    client, coordinator, make_user, make_cohort
):
    # A cohort meeting is not in the catalogue: its page links to its cohort, not to "All
    # workshops", and offers no "Open another date" (a copy would belong to no cohort); asked
    # anyway, the page refuses it plainly and nothing is made. The admit list names nobody
    # until the coordinator chooses; choosing nobody admits nobody.
    from courses.cohorts.models import CohortMeeting
    from courses.workshops.models import Workshop

    cohort = make_cohort(entities=make_entities(make_user, 1), referent=coordinator)
    meeting = db.session.scalars(sa.select(CohortMeeting).limit(1)).one()
    page = client.get(f"/workshops/{meeting.workshop_id}").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}">A meeting of the cohort Cohort tardor</a>' in page
    assert "All workshops" not in page and "Open another date" not in page
    count = db.session.scalar(sa.select(sa.func.count(Workshop.id)))
    later = (utcnow() + timedelta(days=60)).date().isoformat()
    form = {"day": later, "start": "10:00", "end": "11:00", "capacity": "10"}
    r = client.post(f"/workshops/{meeting.workshop_id}/another-date", data=form)
    assert r.status_code == 409
    assert "Another date is for a public workshop" in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Workshop.id))) == count
    make_entities(make_user, 1, prefix="Ateneu")
    board = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    admit = board.split('name="entity_id"')[1].split("</select>")[0]
    first = admit.split("<option")[1]
    assert 'value="">Choose an entity' in first and admit.count("selected") <= 1
    assert "selected" not in admit.split("<option")[2]
    r = client.post(f"/cohorts/{cohort.id}/entities", data={"entity_id": ""})
    assert r.status_code == 303
    assert fresh(cohort).admitted_count == 1


def test_refused_mentor_is_explained_on_the_page(client, coordinator, make_user, make_cohort):
    # Pairing a member of the entity as its mentor is refused with a clear message.
    from courses.cohorts import operations

    office = fresh(coordinator)
    starts_on, _ = cohort_start_across_dst()
    cohort = make_cohort(name="C", starts_on=starts_on, referent=office)
    (entity,) = make_entities(make_user, 1)
    operations.admit_entity(cohort.id, entity.id)
    db.session.commit()
    member = entity.memberships[1].user
    r = client.post(f"/cohorts/{cohort.id}/entities/{entity.id}/mentor",
                    data={"user_id": member.id}, follow_redirects=True)  # fmt: skip
    assert "a mentor must come from another entity" in r.get_data(as_text=True)


def test_entity_pages_and_diagnosis(client, coordinator, make_user, login):
    # The coordinator adds an entity and its diagnosis; a member sees the entity's page but
    # not its diagnosis; an outsider sees neither.
    r = client.post("/entities", data={"name": "Cooperativa El Rebost", "kind": "cooperative",
                                       "sector": "Consum", "size": "5"})  # fmt: skip
    assert r.status_code == 303
    from courses.entities.models import Entity

    db.session.rollback()
    entity = db.session.scalars(sa.select(Entity)).one()
    member = make_user("learner", name="Gemma Font")
    db.session.rollback()
    r = client.post(f"/entities/{entity.id}/members", data={"user_id": member.id,
                                                            "role": "referent"})  # fmt: skip
    assert r.status_code == 303
    r = client.post(f"/entities/{entity.id}/diagnosis", data={
        "readiness": "5", "market": "4", "capacity": "4", "needs": ["management_erp"]})  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/entities/{entity.id}").get_data(as_text=True)
    assert "13/15" in page and "Transformation" in page and "Gemma Font" in page
    client.post("/sign-out")
    login(member)
    r = client.get("/my-entity")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/entities/{entity.id}")
    page = client.get(f"/entities/{entity.id}").get_data(as_text=True)
    assert "Gemma Font" in page and "13/15" not in page
    assert client.get("/entities").status_code == 403
    assert client.get(f"/entities/{entity.id}/diagnosis").status_code == 403
    client.post("/sign-out")
    db.session.rollback()
    login(make_user("learner"))
    assert client.get(f"/entities/{entity.id}").status_code == 403


@pytest.mark.parametrize("path", ["/cohorts", "/entities", "/itineraries/new", "/cohorts/new"])
def test_office_pages_are_for_coordinators(client, make_user, login, path):
    # The office's pages send visitors to sign in and refuse learners and trainers.
    assert client.get(path).status_code == 302
    login(make_user("trainer"))
    assert client.get(path).status_code == 403


def test_demo_holds_a_running_cohort_of_ten(app, client):
    # The demo: one cohort of ten entities (one more waiting) on a year-long itinerary, with
    # mentors from other entities; its meetings stay out of the public catalogue.
    from courses.cohorts.demo import COHORT
    from courses.cohorts.models import Cohort, CohortPlace, PlaceState
    from courses.demo import load_demo

    load_demo()
    db.session.commit()
    load_demo()
    db.session.commit()
    cohort = db.session.scalars(sa.select(Cohort).where(Cohort.name == COHORT)).one()
    assert cohort.admitted_count == 10 and cohort.waitlist_count == 1
    assert cohort.itinerary.weeks >= 45
    places = db.session.scalars(
        sa.select(CohortPlace).where(CohortPlace.state == PlaceState.admitted)
    ).all()
    assert all(p.mentor and p.mentor_id not in p.entity.member_ids for p in places)
    assert all(p.entity.diagnosis is not None for p in places)
    catalogue = client.get("/").get_data(as_text=True)
    assert "Grup d'ajuda mútua" not in catalogue and "Mentoria" not in catalogue
    # The cohort began this week with its entities: every cohort-wide meeting already over
    # holds all their members, marked (the first ones were empty: nobody was enrolled).
    from courses.cohorts.queries import meetings
    from courses.workshops.models import Enrolment

    members = sum(len(p.entity.member_ids) for p in places)
    over = [
        m.workshop
        for m in meetings(cohort.id, entity_ids=set())
        if m.workshop.ends_at + timedelta(minutes=5) <= utcnow()
    ]
    for workshop in over:
        assert workshop.enrolled_count == members, workshop.title
        marked = db.session.scalar(
            sa.select(sa.func.count(Enrolment.id)).where(
                Enrolment.workshop_id == workshop.id, Enrolment.attendance.is_not(None)
            )
        )
        assert marked == members


def test_the_cohort_dashboard_costs_the_same_queries_whatever_its_size(
    client, make_user, make_itinerary, make_cohort, login
):
    # The office's dashboard loads each entity's members with the places, not one by one.
    from tests.support import count_queries

    coordinator = make_user("coordinator")
    itinerary = make_itinerary(
        name="Path", steps=[_step("check-in", "Check-in", week=1, minutes=30)]
    )

    def dashboard_queries(entities: int, prefix: str) -> int:
        cohort = make_cohort(
            itinerary=itinerary,
            name=prefix,
            starts_on=utcnow().date() + timedelta(days=7),
            referent=coordinator,
            entities=make_entities(make_user, entities, members=3, prefix=prefix),
        )
        with count_queries() as statements:
            assert client.get(f"/cohorts/{cohort.id}").status_code == 200
        return len(statements)

    login(coordinator)
    assert dashboard_queries(2, "Small") == dashboard_queries(6, "Large")


def test_an_entity_admitted_later_shows_the_meetings_held_before_it_joined(
    client, make_user, make_cohort, login
):
    # Two cohort-wide meetings are held with the first entity; the second, admitted after,
    # reads "Joined after 2 meetings" on the dashboard; the first reads nothing of the kind.
    from courses.cohorts import operations as cohorts
    from courses.cohorts.models import CohortMeeting
    from courses.workshops import operations as workshops

    office = login(make_user("coordinator"))
    early, late = make_entities(make_user, 2, prefix="Ateneu")
    cohort = make_cohort(entities=[early], referent=office)
    shared = db.session.scalars(
        sa.select(CohortMeeting.workshop_id)
        .where(CohortMeeting.cohort_id == cohort.id, CohortMeeting.entity_id.is_(None))
        .order_by(CohortMeeting.workshop_id)
    ).all()
    for n, workshop_id in enumerate(shared[:2]):
        start = utcnow().replace(microsecond=0) - timedelta(days=3 - n)
        workshops.update_workshop(workshop_id, starts_at=start, ends_at=start + timedelta(hours=1))
    cohorts.admit_entity(cohort.id, late.id)
    db.session.commit()
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    rows = {
        e.id: page.split(f'data-entity-id="{e.id}"')[1].split("</tr>")[0] for e in (early, late)
    }
    assert "Joined after 2 meetings" in rows[late.id]
    assert "Joined after" not in rows[early.id]


def _step(kind: str, title: str, *, week: int, minutes: int) -> dict:
    return {"kind": kind, "title": title, "week": week, "weekday": 2, "start_time": "10:00",
            "duration_minutes": minutes}  # fmt: skip


def test_the_cohort_referent_opens_its_entities_and_waiting_ones_show_no_meetings(
    client, make_user, make_cohort, login
):
    # The dashboard links each entity to its page: the cohort's referent may open it; an
    # entity still waiting lists no meetings (its people are not enrolled in them yet).
    referent = make_user("trainer")
    admitted, waiting = make_entities(make_user, 2)
    make_cohort(
        name="C",
        steps=[_step("workshop", "Kick-off", week=2, minutes=60)],
        starts_on=utcnow().date(),
        referent=referent,
        capacity=1,
        entities=[admitted, waiting],
    )
    login(referent)
    assert "Kick-off" in client.get(f"/entities/{admitted.id}").get_data(as_text=True)
    page = client.get(f"/entities/{waiting.id}")
    assert page.status_code == 200
    assert "Kick-off" not in page.get_data(as_text=True)
    login(make_user("trainer"))
    assert client.get(f"/entities/{admitted.id}").status_code == 403


def test_meetings_on_days_the_programme_does_not_meet_are_pointed_out(
    app, client, make_user, make_cohort, login
):
    # The site's holidays (HOLIDAYS) hold for a programme that names none; one that names
    # its own (the CLI) replaces them; the dashboard lists the days, with how many meetings;
    # a day that is not one is refused with the entry named, and nothing is kept.
    from zoneinfo import ZoneInfo

    from courses.cohorts.models import CohortMeeting
    from courses.workshops.models import Workshop
    from lms.programmes.queries import get_programme, parse_holidays

    office = login(make_user("coordinator"))
    cohort = make_cohort(entities=make_entities(make_user, 2), referent=office)
    zone = ZoneInfo(cohort.timezone)
    starts = db.session.scalars(
        sa.select(Workshop.starts_at)
        .join(CohortMeeting, CohortMeeting.workshop_id == Workshop.id)
        .where(CohortMeeting.cohort_id == cohort.id)
        .order_by(Workshop.starts_at)
    ).all()
    first = starts[0].astimezone(zone).date()
    on_first = sum(1 for s in starts if s.astimezone(zone).date() == first)
    app.config["HOLIDAYS"] = first.strftime("%m-%d")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    note = page.split('id="holiday-meetings"')[1].split("</div>")[0]
    assert f"{first.isoformat()}</time>: {on_first} meeting" in note
    programme = get_programme(cohort.programme_id)
    runner = app.test_cli_runner()
    later = first + timedelta(days=400)
    result = runner.invoke(args=["programmes", "holidays", "--programme", programme.slug,
                                 later.isoformat()])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert 'id="holiday-meetings"' not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    result = runner.invoke(args=["programmes", "holidays", "--programme", programme.slug,
                                 "12-25", "13-01"])  # fmt: skip
    assert result.exit_code != 0 and "“13-01” is not a day" in result.output
    db.session.rollback()
    assert get_programme(cohort.programme_id).holidays == later.isoformat()
    leap = parse_holidays("02-29")
    assert date(2028, 2, 29) in leap and date(2027, 3, 1) not in leap
