"""One authorisation walk over every route of the app, for a visitor and every role.

The routes come from the app's URL map (every endpoint, every method), so a route added
without a line in ``ROUTES`` fails here. Each person of the world (``PEOPLE``) calls each of
them, pages with their session, ``/api/v1`` with a bearer token of their own, on ids of real
objects (``tests.inputs_fixtures.make_world``) and with the valid bodies of the hostile-input
walk (``BODIES``); the answer must be what ``ROUTES`` says. How to add a line:
CONTRIBUTING.md, "Tests".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.inputs_fixtures import WriteCounter, make_world
from tests.lms.test_hostile_input import ARGS, BODIES, LAST, _body, _fill

#: Who asks, in this order in an explicit line of ``ROUTES``.
PEOPLE = ("visitor", "learner", "other_trainer", "trainer", "coordinator", "admin")

#: What each of them gets: let through (any answer but those below), denied (a visitor is
#: asked to sign in: a redirect to the sign-in page, or a 401 in the API; someone signed in
#: gets a 403 or a 404, and so may a visitor where the thing is hidden from them).
ALLOWED, DENIED = "allowed", "denied"

#: The least a person must be for a route to let them through (the world's ``trainer``
#: trains its workshop, advises on its topics and mentors nobody; ``other_trainer`` is a
#: trainer of nothing in it; the ``learner`` holds a seat in its workshop; the
#: ``coordinator`` is the referent of its cohort and asked the advice desk twice):
#:
#: ``public``       anyone, signed in or not
#: ``signed in``    anyone signed in
#: ``staff``        any trainer or coordinator
#: ``its trainer``  the trainer of the world's workshop (or advisor of its case), coordinator
#: ``coordinator``  a coordinator (of the programme)
#: ``admin``        a site administrator only
#:
#: or, where the rule is not a ladder, what each of ``PEOPLE`` gets, in order
#: (``only(...)``: the people let through).
LEVELS = ("public", "signed in", "staff", "its trainer", "coordinator", "admin")


def only(*people: str, admin: bool = True) -> tuple[str, ...]:
    """An explicit line: the people let through; everyone else is denied. The site
    administrator gets what a coordinator gets (a coordinator of every programme), unless
    ``admin=False``: what is the world's coordinator's own (a case she asked for, her token,
    the file she sent)."""
    assert set(people) <= set(PEOPLE), people
    if "coordinator" in people and admin:
        people = (*people, "admin")
    return tuple(ALLOWED if p in people else DENIED for p in PEOPLE)


#: One line per route and method, as ``"METHOD endpoint"``: the least a person must be, or
#: an explicit line. A route of the URL map without a line here fails the walk.
ROUTES: dict[str, str | tuple[str, ...]] = {
    "GET accounts.change_password": "signed in",
    "POST accounts.change_password": "signed in",
    "GET accounts.close_account": "signed in",
    "POST accounts.close_account": "signed in",
    "GET accounts.confirm_email": "public",
    "POST accounts.create_token": "signed in",
    "POST accounts.end_other_sessions": "signed in",
    "GET accounts.forgot_password": "public",
    "POST accounts.forgot_password": "public",
    "GET accounts.my_data": "signed in",
    "GET accounts.my_data_json": "signed in",
    "GET accounts.profile": "signed in",
    "POST accounts.profile": "signed in",
    "GET accounts.privacy": "public",
    "POST accounts.resend_confirmation": "signed in",
    "GET accounts.reset_password": "public",
    "POST accounts.reset_password": "public",
    "POST accounts.revoke_token": "signed in",
    "POST accounts.set_language": "public",
    "GET accounts.sign_in": "public",
    "POST accounts.sign_in": "public",
    "POST accounts.sign_out": "public",
    "GET accounts.sign_up": "public",
    "POST accounts.sign_up": "public",
    "GET accounts.tokens": "signed in",
    "POST advice.add_note": "its trainer",
    "POST advice.book": only("coordinator", admin=False),
    "POST advice.cancel": "its trainer",
    "GET advice.case": "its trainer",
    "POST advice.close": "its trainer",
    "GET advice.coordination": "coordinator",
    "POST advice.create_request": "signed in",
    "POST advice.create_topic": "coordinator",
    "GET advice.desk": "staff",
    "GET advice.figures": "coordinator",
    "GET advice.figures_csv": "coordinator",
    "POST advice.held": "its trainer",
    "GET advice.mine": "signed in",
    "POST advice.move": "its trainer",
    "POST advice.propose": "its trainer",
    "POST advice.reassign": "coordinator",
    "POST advice.refer": "its trainer",
    "POST advice.set_hours": "its trainer",
    "POST advice.set_need": "coordinator",
    "GET advice.topics": "public",
    "POST advice.update_topic": "coordinator",
    "POST api.add_member": "coordinator",
    "POST api.add_note": "its trainer",
    "POST api.admit_entity": "coordinator",
    "GET api.advice_request": "its trainer",
    "GET api.advice_requests": "signed in",
    "GET api.advice_topics": "public",
    "GET api.advisor_hours": "its trainer",
    "POST api.book_consultation": only("coordinator", admin=False),
    "POST api.cancel_consultation": "its trainer",
    "POST api.cancel_workshop": "its trainer",
    "PUT api.change_password": "signed in",
    "DELETE api.close_account": "signed in",
    "POST api.close_request": "its trainer",
    "POST api.consultation_held": "its trainer",
    "GET api.consultation_room": only("trainer", "coordinator", admin=False),
    "POST api.create_advice_request": "signed in",
    "POST api.create_advice_topic": "coordinator",
    "POST api.create_cohort": "coordinator",
    "POST api.create_entity": "coordinator",
    "POST api.create_itinerary": "coordinator",
    "POST api.create_token": "public",
    "POST api.create_workshop": "its trainer",
    # learners take seats, staff never do; the seated learner alone withdraws
    "POST api.enrol": only("learner"),
    "POST api.enrol_on_behalf": "its trainer",
    "POST api.create_programme": "admin",
    "PUT api.put_staff": "coordinator",
    "POST api.import_people": "coordinator",
    "GET api.get_cohort": "coordinator",
    "GET api.get_diagnosis": "coordinator",
    "GET api.get_entity": "coordinator",
    "GET api.get_itinerary": "coordinator",
    "GET api.get_workshop": "public",
    "GET api.list_entities": "coordinator",
    "GET api.list_itineraries": "coordinator",
    "GET api.list_tokens": "signed in",
    "GET api.list_workshops": "public",
    "GET api.me": "signed in",
    "GET api.my_data": "signed in",
    "GET api.my_enrolments": "signed in",
    "POST api.new_calendar_token": "signed in",
    "POST api.password_reset": "public",
    "POST api.propose_consultation": "its trainer",
    "PUT api.put_attendance": "its trainer",
    "PUT api.put_diagnosis": "coordinator",
    "PUT api.put_mentor": "coordinator",
    "PUT api.reassign_request": "coordinator",
    "POST api.record_progress": "coordinator",
    "POST api.refer_request": "its trainer",
    "DELETE api.remove_entity": "coordinator",
    "DELETE api.delete_mentor": "coordinator",
    "DELETE api.remove_member": "coordinator",
    "PATCH api.reschedule_consultation": "its trainer",
    "DELETE api.revoke_current_token": "signed in",
    "DELETE api.revoke_token": only("coordinator", admin=False),
    # the room: the seated learner, its trainer and coordinators; another trainer is refused
    "GET api.room": only("learner", "trainer", "coordinator"),
    "GET api.roster": "its trainer",
    "PUT api.set_advisor_hours": "its trainer",
    "PUT api.set_need_level": "coordinator",
    "PUT api.set_room": "its trainer",
    "POST api.sign_up": "public",
    "GET api.topic_slots": "signed in",
    "PATCH api.update_advice_topic": "coordinator",
    "PATCH api.update_workshop": "its trainer",
    "DELETE api.withdraw": only("learner"),
    "POST attendance.all_present": "its trainer",
    # a certificate is its holder's own (others have the workshop's PDF, or the code)
    "GET attendance.certificate": only("learner"),
    "GET attendance.certificate_pdf": only("learner"),
    "GET attendance.history": "signed in",
    "POST attendance.save": "its trainer",
    "GET attendance.sheet": "its trainer",
    "GET attendance.teaching": "staff",
    "GET attendance.verify": "public",
    "GET attendance.verify_form": "public",
    "GET attendance.workshop_certificates_pdf": "its trainer",
    "GET attendance.workshop_csv": "its trainer",
    "GET attendance.workshop_xlsx": "its trainer",
    "POST cohorts.admit": "coordinator",
    "GET cohorts.check_in": "coordinator",
    "POST cohorts.check_in": "coordinator",
    "GET cohorts.dashboard": "coordinator",
    "GET cohorts.index": "coordinator",
    "POST cohorts.leave": "coordinator",
    "POST cohorts.unpair": "coordinator",
    "POST cohorts.mentor": "coordinator",
    "GET cohorts.mine": "signed in",
    "GET cohorts.new_cohort": "coordinator",
    "POST cohorts.new_cohort": "coordinator",
    "GET cohorts.new_itinerary": "coordinator",
    "POST cohorts.new_itinerary": "coordinator",
    "POST entities.add_member": "coordinator",
    "GET entities.detail": "coordinator",
    "GET entities.diagnosis": "coordinator",
    "POST entities.diagnosis": "coordinator",
    "GET entities.index": "coordinator",
    "POST entities.index": "coordinator",
    "POST entities.remove_member": "coordinator",
    "GET feeds.catalog": "public",
    "POST feeds.new_address": "signed in",
    "GET feeds.personal": "public",
    "GET feeds.subscribe": "signed in",
    "GET feeds.workshop_file": "public",
    "GET health.healthz": "public",
    "GET health.readyz": "public",
    "GET notifications.deliveries": "admin",
    "POST notifications.retry": "admin",
    "GET people.detail": "coordinator",
    "GET people.import_file": "coordinator",
    "GET people.import_preview": only("coordinator", admin=False),
    "GET people.index": "coordinator",
    "GET people.new": "coordinator",
    "POST people.deactivate": "coordinator",
    "POST people.enrol": "coordinator",
    "POST people.import_confirm": "coordinator",
    "POST people.import_file": "coordinator",
    "POST people.move": "coordinator",
    "POST people.new": "coordinator",
    "POST people.reactivate": "coordinator",
    "POST people.set_role": "coordinator",
    "POST people.withdraw": "coordinator",
    "GET api.openapi_docs": "public",
    "GET api.openapi_json": "public",
    "GET reports.attendance_csv": "coordinator",
    "GET workshops.programme": "public",
    "GET reports.attendance_xlsx": "coordinator",
    "GET reports.report": "coordinator",
    "GET video.door": only("learner", "trainer", "coordinator"),
    "POST video.join": only("learner", "trainer", "coordinator"),
    "GET video.settings": "its trainer",
    "POST video.settings": "its trainer",
    "GET workshops.another_date": "its trainer",
    "POST workshops.another_date": "its trainer",
    "GET workshops.cancel": "its trainer",
    "POST workshops.cancel": "its trainer",
    "GET workshops.catalogue": "public",
    "GET workshops.confirm_withdraw": only("learner"),
    "GET workshops.detail": "public",
    "GET workshops.edit": "its trainer",
    "POST workshops.edit": "its trainer",
    "POST workshops.enrol": only("learner"),
    "POST workshops.give_seat": "its trainer",
    "GET workshops.mine": "signed in",
    "GET workshops.new": "staff",
    "POST workshops.new": "staff",
    "POST workshops.remove": "its trainer",
    "GET workshops.roster": "its trainer",
    "POST workshops.take_another_date": only("learner"),
    "POST workshops.withdraw": only("learner"),
}

#: Personal data a visitor must never see on any answer, and a learner on none but their own.
NEVER_TO_VISITORS = ("email",)


def expected(line: str | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(line, tuple):
        return line
    floor = LEVELS.index(line)
    rank = {
        "visitor": 0,
        "learner": 1,
        "other_trainer": 2,
        "trainer": 3,
        "coordinator": 4,
        "admin": 5,
    }
    return tuple(ALLOWED if rank[p] >= floor else DENIED for p in PEOPLE)


def routes(app) -> list[tuple[str, Any]]:
    """Every (method, rule) of the URL map but static files, those that end something for
    good last (in the hostile walk's order)."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            pairs.append((method, rule))

    def key(pair) -> tuple:
        method, rule = pair
        last = rule.endpoint in ORDER_LAST and method != "GET"
        return (last, ORDER_LAST.index(rule.endpoint) if last else 0, rule.endpoint, method)

    return sorted(pairs, key=key)


def line_of(method: str, rule) -> str:
    return f"{method} {rule.endpoint}"


@dataclass
class Walker:
    """One person of the world sending every request and noting what came back."""

    person: str
    client: Any
    headers: dict[str, str]
    ids: dict[str, Any]
    emails: dict[str, str]  # whose address → the address
    answers: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def path(self, rule) -> str:
        path = rule.rule
        for name in rule.arguments:
            key = (MORE_ARGS.get(rule.endpoint) or ARGS.get(rule.endpoint, {})).get(name, name)
            path = re.sub(
                rf"<(?:\w+:)?{name}>", str(self.ids.get(key, self.ids["workshop_id"])), path
            )
        return path

    def send(self, method: str, rule, *, headers: dict[str, str] | None = None) -> Any:
        path = self.path(rule)
        api = path.startswith("/api/")
        kwargs: dict[str, Any] = {}
        if rule.endpoint in MORE_BODIES and method != "GET":
            body = {k: _fill(v, self.ids) for k, v in MORE_BODIES[rule.endpoint].items()}
            kwargs = (
                {"data": json.dumps(body), "content_type": "application/json"}
                if api
                else {"data": body}
            )
        elif method in ("POST", "PUT", "PATCH", "DELETE") and rule.endpoint in BODIES:
            body = _body(rule.endpoint, self.ids)
            if api:
                kwargs = {"data": json.dumps(body), "content_type": "application/json"}
            else:
                kwargs = {"data": body}
        elif method in ("PUT", "PATCH", "POST", "DELETE") and api:
            kwargs = {"data": "{}", "content_type": "application/json"}
        heads = self.headers if headers is None and api else (headers or {})
        return self.client.open(path, method=method, headers=heads, **kwargs)


def outcome(response: Any, api: bool) -> str:
    """What an answer means: denied (asked to sign in, 403, 404), or let through: any other
    answer, a form sent back by a rule of the world after the permission included (a
    workshop that has not started, nobody waiting: tested beside those rules)."""
    status = response.status_code
    if status in (401, 403, 404):
        return DENIED
    where = response.headers.get("Location", "")
    if not api and status in (301, 302, 303) and "/sign-in?next=" in where:
        return DENIED  # Flask-Login's "please sign in", not a form's "now sign in"
    return ALLOWED


@pytest.fixture
def world(
    app,
    make_user,
    make_workshop,
    make_calendar_token,
    make_diagnosis,
    make_room,
    make_held_workshop,
):
    """The hostile walk's world (``make_world``), and: a trainer of nothing in it, the
    entity's diagnosis, the workshop's room, a held workshop where the learner was present
    (a certificate), a bystander's calendar feed (a token nobody walking replaces), and a
    file of people the coordinator sent for import (its preview)."""
    from courses.attendance import certificates
    from courses.attendance.operations import mark
    from courses.workshops.models import Attendance, Enrolment
    from courses.workshops.operations import enrol
    from lms.db import db

    w = make_world(make_user, make_workshop)
    w.other_trainer = make_user("trainer", name="Other Trainer")
    w.bystander = make_user(name="Bystander")
    w.admin = make_user("coordinator", name="Administrator", admin=True)
    second = make_workshop(trainer=w.trainer)
    enrol(second.id, db.session.merge(w.learner))
    make_diagnosis(w.entity)
    make_room(w.workshop)
    held, _seated, _waiting = make_held_workshop(seated=[w.learner], trainer=w.trainer)
    mark(held.id, w.learner.id, Attendance.present, by=db.session.merge(w.trainer))
    db.session.commit()
    seat = db.session.query(Enrolment).filter_by(workshop_id=held.id, user_id=w.learner.id).one()
    members = sorted(m.user_id for m in db.session.merge(w.entity).memberships)
    from lms.accounts.operations import make_token

    other_token, _secret = make_token(db.session.merge(w.coordinator))
    from courses.people.operations import stage_import
    from lms.programmes.models import Programme

    staged = stage_import(
        db.session.merge(w.coordinator),
        "people.csv",
        b"email,firstname,lastname\nnew@example.org,Nova,Persoa\n",
    )
    db.session.commit()
    w.extra = {
        "other_token_id": other_token.id,
        "second_workshop_id": second.id,
        "trainer_id": w.trainer.id,
        "calendar_token": make_calendar_token(w.bystander),
        "held_workshop_id": held.id,
        "code": certificates.code_of(seat),
        "member_id": members[0],
        "other_member_id": members[1],
        "programme_slug": db.session.get(Programme, db.session.merge(w.workshop).programme_id).slug,
        "import_id": staged.id,  # the coordinator's own preview of a file
    }
    return w


#: URL parameters that mean something else on some route (beside the hostile walk's ``ARGS``).
MORE_ARGS: dict[str, dict[str, str]] = {
    "feeds.personal": {"token": "calendar_token"},
    "workshops.programme": {"slug": "programme_slug"},
    "attendance.certificate": {"workshop_id": "held_workshop_id"},
    "attendance.certificate_pdf": {"workshop_id": "held_workshop_id"},
    "api.remove_member": {"user_id": "member_id"},
    "entities.remove_member": {"user_id": "other_member_id"},
    "api.revoke_token": {"token_id": "other_token_id"},  # the page revokes "token_id"
    "api.withdraw": {"workshop_id": "second_workshop_id"},  # the page gives up the first seat
}

#: Bodies other than the hostile walk's: signing in and asking for a token with the walker's
#: own address and password (a visitor's are the bystander's).
MORE_BODIES: dict[str, dict[str, Any]] = {
    "accounts.sign_in": {"email": "{my_email}", "password": PASSWORD},
    "api.create_token": {"email": "{my_email}", "password": PASSWORD},
}

#: Routes sent after all others, in this order: confirming the import ends its preview; a
#: learner withdrawing gives up the seat the rest of the walk relies on; then the hostile
#: walk's ``LAST``; signing in (as oneself) ends.
ORDER_LAST = (
    "people.import_confirm",
    "api.withdraw",
    "workshops.withdraw",
    *LAST,
    "accounts.sign_in",
)


def _walk(app, client, login, api_token, world, person: str) -> Walker:
    from flask import got_request_exception

    user = None if person == "visitor" else getattr(world, person)
    if user is not None:
        login(user)
    emails = {
        name: getattr(world, name).email
        for name in ("learner", "trainer", "other_trainer", "coordinator", "admin")
    }
    ids = world.ids() | world.extra | {"my_email": (user or world.bystander).email}
    walker = Walker(person, client, api_token(user) if user else {}, ids, emails)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def note(_sender, exception, **_extra):
        walker.failures.append(f"  raised {type(exception).__name__}: {exception}"[:300])

    got_request_exception.connect(note, app, weak=False)
    try:
        for method, rule in routes(app):
            label = line_of(method, rule)
            response = walker.send(method, rule)
            api = rule.rule.startswith("/api/")
            walker.answers[label] = outcome(response, api)
            walker.statuses[label] = response.status_code
            if response.status_code >= 500:
                walker.failures.append(f"{label}: {response.status_code}")
            _no_one_elses_address(walker, label, response)
            if api and user is not None and walker.answers[label] == ALLOWED:
                # the API reads no cookie: the session alone opens nothing that a visitor
                # may not open
                cookie_only = walker.send(method, rule, headers={})
                walker.answers[label + " (cookie only)"] = outcome(cookie_only, api)
                walker.statuses[label + " (cookie only)"] = cookie_only.status_code
            if rule.endpoint in PASSWORD_CHANGES and user is not None:
                _put_password_back(walker, user, api_token)
    finally:
        got_request_exception.disconnect(note, app)
    return walker


#: Routes after which the walker's password is put back and a new token made for them (a new
#: password ends every other session and token).
PASSWORD_CHANGES = (
    "accounts.change_password",
    "api.change_password",
    "accounts.reset_password",
    "api.revoke_current_token",  # the walker's own token
)


def _put_password_back(walker: Walker, user: Any, api_token) -> None:
    from werkzeug.security import generate_password_hash

    from lms.accounts.models import User
    from lms.db import db

    db.session.rollback()
    row = db.session.get(User, user.id)
    row.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    db.session.commit()
    walker.headers = api_token(row)


def _no_one_elses_address(walker: Walker, label: str, response: Any) -> None:
    """A visitor sees nobody's address; a learner sees only their own."""
    if walker.person not in ("visitor", "learner"):
        return
    body = response.get_data()
    for whose, address in walker.emails.items():
        if whose != walker.person and address.encode() in body:
            walker.failures.append(f"{label}: a {walker.person} sees the {whose}'s address")


def test_every_route_has_a_line_in_the_table(app):
    # A route in the URL map without a line in ROUTES fails: no new route escapes the walk.
    lines = {line_of(m, r) for m, r in routes(app)}
    assert sorted(lines - set(ROUTES)) == []
    assert sorted(set(ROUTES) - lines) == []  # and no line names a route that is gone


@pytest.mark.parametrize("person", PEOPLE)
def test_every_route_answers_each_person_as_the_table_says(
    app, client, login, api_token, world, person
):
    # Every route of the URL map, as a visitor and as each role (pages with a session, the API
    # with a bearer token): a visitor never gets through to a signed-in route, a learner
    # never to a staff page, a trainer never to what only coordinators may do, no answer is a
    # 5xx, no visitor sees anyone's address and no learner anyone else's, and the API never
    # takes a session cookie in place of a token.
    walker = _walk(app, client, login, api_token, world, person)
    column = PEOPLE.index(person)
    wrong = []
    for label, got in walker.answers.items():
        route = label.removesuffix(" (cookie only)")
        if route not in ROUTES:
            wrong.append(f"{route}: no line in ROUTES (got {got})")
            continue
        want = expected(ROUTES[route])[column]
        if label.endswith("(cookie only)"):
            want = expected(ROUTES[route])[0]
        if got != want:
            status = walker.statuses[label]
            wrong.append(f"{label}: {person} {got} ({status}), the table says {want}")
    assert wrong + walker.failures == []


@pytest.mark.parametrize("person", ["visitor", "coordinator"])
def test_no_page_takes_a_post_without_its_csrf_token(make_app, login, world, person):
    # Every page that takes a POST (the API takes no cookies and needs no CSRF token) refuses
    # one without the form's CSRF token with a 400, and writes nothing; a visitor's forms
    # (sign-in, sign-up, a reset) too.
    from lms.db import db

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    if person == "coordinator":
        login(world.coordinator, client=client)
    ids = world.ids() | world.extra | {"my_email": world.coordinator.email}
    walker = Walker(person, client, {}, ids, {})
    db.session.rollback()  # the world's reads end: the triggers below need the tables
    with app.app_context():
        writes = WriteCounter()
        writes.install()
        try:
            before, wrong = writes.count(), []
            for method, rule in routes(app):
                if method == "GET" or rule.rule.startswith("/api/"):
                    continue
                response = walker.send(method, rule)
                if response.status_code != 400:
                    wrong.append(f"{line_of(method, rule)}: {response.status_code}")
            assert wrong == []
            assert writes.count() == before
        finally:
            writes.remove()
