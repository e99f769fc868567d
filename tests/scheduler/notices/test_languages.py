"""Every e-mail, invitation and feed in the person's language (issue 18): each kind of mail
(a workshop's, a cohort's, a digest, the advisor's, an account's) and the personal feed's name
speak the recipient's ``User.locale``, whatever the language of the request that caused them
(here Catalan) and of the worker that renders them; without a language of their own, the
site's default."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from courses.advice import operations as advice
from courses.cohorts import operations as cohorts
from courses.workshops import operations as workshops
from lms.accounts.operations import request_password_reset
from lms.db import db
from lms.notifications.operations import outgoing
from tests.notify_fixtures import outbox

pytest_plugins = ["tests.advice_fixtures", "tests.notify_fixtures"]

#: What each language says, from its catalogue (Catalan is the sender's, never expected).
WORDS = {
    "es": {
        "enrolled": "Tienes plaza: Taller web",
        "waitlisted": "En lista de espera de Cohort tardor: Coop Dues",
        "digest": "Tienes plaza en estos talleres:",
        "booked": "ha reservado una consulta contigo",
        "reset": "Elige una contraseña nueva para Aula",
        "feed": "Aula: mis talleres",
    },
    "gl": {
        "enrolled": "Tes praza: Taller web",
        "waitlisted": "Na lista de espera de Cohort tardor: Coop Dues",
        "digest": "Tes praza nestes obradoiros:",
        "booked": "reservou unha consulta contigo",
        "reset": "Escolle un contrasinal novo para Aula",
        "feed": "Aula: os meus obradoiros",
    },
}
LOCALES = sorted(WORDS)


@pytest.fixture
def as_catalan(app):
    """A request in Catalan (the sender's), around the change and around its rendering."""

    def context():
        return app.test_request_context(headers={"Accept-Language": "ca"})

    return context


def _latest(recipient_id: int):
    return outgoing(outbox(recipient_id=recipient_id)[-1])


@pytest.mark.parametrize("locale", LOCALES)
def test_a_workshop_message_and_its_invitation(app, make_user, make_workshop, as_catalan, locale):
    # Enrolled from a Catalan request: the mail is in the learner's language; the invitation
    # names the workshop by its own title, and its calendar part is the learner's event.
    learner = make_user(locale=locale)
    workshop = make_workshop(title="Taller web")
    with as_catalan():
        workshops.enrol(workshop.id, learner)
        db.session.commit()
        sent = _latest(learner.id)
    assert sent.subject == WORDS[locale]["enrolled"]
    [event] = Calendar.from_ical(sent.calendar).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Taller web"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_cohort_message_and_a_digest(app, make_user, make_cohort, make_entity, as_catalan,
                                       locale):  # fmt: skip
    # A cohort's place (waiting) and an admission's digest, caused from a Catalan request and
    # rendered in one: both in each member's language.
    cohort = make_cohort(capacity=1, referent=make_user("coordinator", locale="ca"))
    first = make_entity(name="Coop Una", members=[make_user(locale=locale)])
    waiting_person = make_user(locale=locale)
    second = make_entity(name="Coop Dues", members=[waiting_person])
    with as_catalan():
        cohorts.admit_entity(cohort.id, first.id)
        cohorts.admit_entity(cohort.id, second.id)
        db.session.commit()
        admitted = outgoing(outbox(kind="cohort.admitted")[-1])
        waiting = _latest(waiting_person.id)
    assert waiting.subject == WORDS[locale]["waitlisted"]
    assert WORDS[locale]["digest"] in admitted.text
    assert admitted.calendar.count("BEGIN:VEVENT") > 1


@pytest.mark.parametrize("locale", LOCALES)
def test_the_advisors_message(app, desk, make_user, as_catalan, locale):
    # A consultation booked from a Catalan request: the advisor reads of it in their language.
    from tests.advice_fixtures import free, request_for  # a plugin here: imported once loaded

    topic, (advisor,) = desk()
    advisor.locale = locale
    db.session.merge(advisor)
    db.session.commit()
    case = request_for(make_user(), topic)
    with as_catalan():
        advice.book(case.id, free(case.advisor_id)[0].starts_at)
        db.session.commit()
        sent = _latest(advisor.id)
    assert sent.subject.startswith("Consulta reservada: ")
    assert WORDS[locale]["booked"] in sent.text
    assert sent.calendar_method == "REQUEST"


@pytest.mark.parametrize("locale", LOCALES)
def test_an_account_message(app, make_user, as_catalan, locale):
    # A password reset asked for from a Catalan browser is written in the account's language.
    person = make_user(locale=locale)
    with as_catalan():
        request_password_reset(person.email)
        db.session.commit()
        sent = _latest(person.id)
    assert sent.subject == WORDS[locale]["reset"]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_personal_feeds_name(app, client, api_token, make_user, locale):
    # A personal feed fetched by a Catalan calendar client is named in its owner's language.
    person = make_user(locale=locale)
    made = client.post("/api/v1/me/calendar-token", headers=api_token(person))
    url = made.get_json()["feed_url"].removeprefix("http://aula.test")
    feed = Calendar.from_ical(client.get(url, headers={"Accept-Language": "ca"}).data)
    assert str(feed["X-WR-CALNAME"]) == WORDS[locale]["feed"]


def test_without_a_language_of_their_own_the_sites_default(
    app, make_user, make_workshop, as_catalan
):
    # Someone who never chose a language gets the site's default, not the sender's Catalan.
    app.config["BABEL_DEFAULT_LOCALE"] = "gl"
    learner = make_user(locale="")
    workshop = make_workshop(title="Taller web")
    with as_catalan():
        workshops.enrol(workshop.id, learner)
        db.session.commit()
        sent = _latest(learner.id)
    assert sent.subject == WORDS["gl"]["enrolled"]
