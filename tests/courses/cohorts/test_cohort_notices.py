"""The people of a bootcamp cohort hear about it in their language: an entity's place
(admitted, waiting, admitted from the list, gone), its new mentor, and a missing weekly
check-in, which the worker reminds of once however many passes (or workers) run."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from courses.cohorts import operations as cohorts
from lms.db import db, utcnow
from lms.notifications.operations import outgoing
from lms.notifications.worker import run_pass
from tests.notify_fixtures import outbox

pytest_plugins = ["tests.notify_fixtures"]  # smtp, start_worker


def _cohort(make_cohort, make_user, capacity: int = 10):
    return make_cohort(
        referent=make_user("coordinator", name="Oficina", locale="ca"), capacity=capacity
    )


def _entity(make_entity, make_user, name: str, locales=("es", "en")):
    """An entity whose referent reads the first language and its member the second."""
    people = [make_user(name=f"{name} {n + 1}", locale=loc) for n, loc in enumerate(locales)]
    return make_entity(name=name, members=people), [db.session.merge(p) for p in people]


def _cohort_mail(**where):
    return [m for m in outbox(**where) if m.kind.startswith("cohort.")]


def test_an_entitys_place_reaches_all_its_people_in_their_language(
    app, make_user, make_cohort, make_entity
):
    # Admitted, waiting (with its position), admitted from the list, gone: each member of the
    # entity hears it in their language, with the entity's page.
    cohort = _cohort(make_cohort, make_user, capacity=1)
    first, (ana, bob) = _entity(make_entity, make_user, "Coop Una & Cia", ("es", "en"))
    second, (cai, dan) = _entity(make_entity, make_user, "Coop Dues", ("ca", "en"))
    cohorts.admit_entity(cohort.id, first.id)
    cohorts.admit_entity(cohort.id, second.id)
    db.session.commit()
    cohorts.remove_entity(cohort.id, first.id)
    db.session.commit()
    got = {p.email: [outgoing(m).subject for m in _cohort_mail(recipient_id=p.id)]
           for p in (ana, bob, cai, dan)}  # fmt: skip
    assert got[ana.email] == [
        "Admitida en Cohort tardor: Coop Una & Cia",
        "Ya no está en Cohort tardor: Coop Una & Cia",
    ]
    assert got[bob.email] == [
        "Admitted to Cohort tardor: Coop Una & Cia",
        "No longer in Cohort tardor: Coop Una & Cia",
    ]
    assert got[cai.email] == [
        "En llista d'espera de Cohort tardor: Coop Dues",
        "Admesa a Cohort tardor: Coop Dues",
    ]
    waiting, promoted = _cohort_mail(recipient_id=dan.id)
    assert [waiting.kind, promoted.kind] == ["cohort.waitlisted", "cohort.promoted"]
    assert "number 1 on its waiting list" in outgoing(waiting).text
    assert "a place has been freed" in outgoing(promoted).text
    assert f"http://aula.test/entities/{second.id}" in outgoing(promoted).text
    assert f'href="http://aula.test/entities/{second.id}"' in outgoing(promoted).html
    [waiting_ca, _] = _cohort_mail(recipient_id=cai.id)
    assert "número 1 de la seva llista d'espera" in outgoing(waiting_ca).text
    [_, left] = _cohort_mail(recipient_id=bob.id)
    assert "Coop Una & Cia has left the cohort" in outgoing(left).text
    assert "Coop Una &amp; Cia has left" in outgoing(left).html
    assert "Una & Cia" not in outgoing(left).html
    assert not _cohort_mail(recipient_id=cohort.referent_id)  # the office acted itself


def test_a_new_mentor_and_the_entitys_referent_hear_of_the_pairing(
    app, make_user, make_cohort, make_entity
):
    # The mentor learns which entity and cohort; the entity's referent learns who; the other
    # members are not written to about it.
    cohort = _cohort(make_cohort, make_user)
    entity, (referent, member) = _entity(make_entity, make_user, "Coop Tres", ("en", "es"))
    mentor = make_user("trainer", name="Mentora", locale="ca")
    cohorts.admit_entity(cohort.id, entity.id)
    db.session.commit()
    cohorts.assign_mentor(cohort.id, entity.id, db.session.merge(mentor))
    db.session.commit()
    [to_mentor] = _cohort_mail(recipient_id=mentor.id)
    assert to_mentor.kind == "cohort.mentor_assigned"
    assert to_mentor.recipient_address == mentor.email
    assert outgoing(to_mentor).subject == "Persona mentora de Coop Tres a Cohort tardor"
    assert "ara ets la persona mentora de Coop Tres" in outgoing(to_mentor).text
    [to_referent] = _cohort_mail(recipient_id=referent.id, kind="cohort.mentor_assigned")
    assert outgoing(to_referent).subject == "Mentor for Coop Tres in Cohort tardor"
    assert "Mentora is now the mentor of Coop Tres" in outgoing(to_referent).text
    assert not _cohort_mail(recipient_id=member.id, kind="cohort.mentor_assigned")


def _missing_checkin(make_cohort, make_entity, make_user):
    """An admitted entity with a mentor whose check-in meeting of week 2 ended an hour ago."""
    from courses.cohorts.models import CohortMeeting, ItineraryStep, StepKind
    from courses.workshops.models import Workshop

    cohort = _cohort(make_cohort, make_user)
    entity, (referent, member) = _entity(make_entity, make_user, "Coop Quatre", ("ca", "en"))
    mentor = make_user("trainer", name="Mentor", locale="es")
    cohorts.admit_entity(cohort.id, entity.id)
    cohorts.assign_mentor(cohort.id, entity.id, db.session.merge(mentor))
    db.session.commit()
    meeting = db.session.scalar(
        sa.select(CohortMeeting.workshop_id)
        .join(ItineraryStep, ItineraryStep.id == CohortMeeting.step_id)
        .where(
            CohortMeeting.entity_id == entity.id,
            CohortMeeting.week == 2,
            ItineraryStep.kind == StepKind.check_in,
        )
    )
    now = utcnow()
    db.session.execute(
        sa.update(Workshop)
        .where(Workshop.id == meeting)
        .values(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    )
    db.session.commit()
    return cohort, entity, mentor, referent, member


def test_a_worker_pass_reminds_a_missing_checkin_once(
    app, client, login, make_user, make_cohort, make_entity, smtp
):
    # The check-in of a meeting that has ended is reminded of by the worker, to the mentor
    # and to the entity's referent in their language, with the check-in form (open at the
    # missing week), once only.
    app.config.update(smtp.config)
    cohort, entity, mentor, referent, member = _missing_checkin(make_cohort, make_entity, make_user)
    run_pass()
    run_pass()
    form = f"http://aula.test/cohorts/{cohort.id}/entities/{entity.id}/check-in?week=2"
    [to_mentor] = [m for m in smtp.inbox.to(mentor.email) if m["Subject"].startswith("Falta")]
    assert to_mentor["Subject"] == "Falta el seguimiento de la semana 2: Coop Quatre"
    body = to_mentor.get_body(("plain",)).get_content()
    assert "el seguimiento de la semana 2 de la cohorte Cohort tardor" in body and form in body
    [to_referent] = [m for m in smtp.inbox.to(referent.email) if m["Subject"].startswith("Falta")]
    assert to_referent["Subject"] == "Falta el seguiment de la setmana 2: Coop Quatre"
    assert form in to_referent.get_body(("html",)).get_content()
    assert not [m for m in outbox(recipient_id=member.id) if m.kind == "cohort.checkin_missing"]
    assert len(outbox(kind="cohort.checkin_missing")) == 2
    result = app.test_cli_runner().invoke(args=["cohorts", "remind"])
    assert result.output == "0 missing check-ins announced.\n"
    login(mentor)
    page = client.get(form.removeprefix("http://aula.test")).get_data(as_text=True)
    assert 'type="number" value="2"' in page


def test_two_workers_at_once_remind_a_missing_checkin_once(
    app, make_user, make_cohort, make_entity, smtp, start_worker
):
    # Two delivery workers starting together write the reminder once between them.
    _c, _e, mentor, referent, _m = _missing_checkin(make_cohort, make_entity, make_user)
    workers = [start_worker("--once", **smtp.config) for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert all("Traceback" not in err for _out, err in outputs), outputs
    reminders = outbox(kind="cohort.checkin_missing")
    assert sorted(m.recipient_id for m in reminders) == sorted([mentor.id, referent.id])
    subjects = [m["Subject"] for m in smtp.inbox.received]
    assert subjects.count("Falta el seguimiento de la semana 2: Coop Quatre") == 1


def test_muted_cohort_changes_write_nothing(app, make_user, make_cohort, make_entity):
    # Inside muted() (the demo's loading) nobody hears of places, mentors or check-ins.
    from lms.notifications.operations import muted

    with muted():
        _missing_checkin(make_cohort, make_entity, make_user)
        assert cohorts.remind_missing_checkins() == 1
        db.session.commit()
    assert not _cohort_mail()
