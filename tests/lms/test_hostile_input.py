"""Hostile input at every route: no answer is a 5xx, and a refused change writes nothing.

The routes come from the app's URL map, so that a new route that takes input fails here
until it is given a body to aim at (``BODIES``).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tests.cohort_fixtures import STEPS
from tests.factories import PASSWORD
from tests.inputs_fixtures import (
    FORM_CLASSES,
    HUGE_IDS,
    JSON_CLASSES,
    NOT_AN_OBJECT,
    WriteCounter,
    make_world,
    now_plus,
    pick,
)

WRITES = {"POST", "PUT", "PATCH"}
IN_A_WEEK = now_plus(7)
IN_TWO_WEEKS = (date.today() + timedelta(days=21)).isoformat()

#: A valid body for each route that writes, by endpoint; ``{user_id}`` and the like are
#: filled in from the world. Routes that change the world for good come last (``LAST``).
BODIES: dict[str, dict[str, Any]] = {
    # -- API ---------------------------------------------------------------------------------
    "api.sign_up": {"email": "new@aula.test", "name": "New", "password": "long enough pw"},
    "api.create_token": {"email": "nobody@aula.test", "password": "long enough pw"},
    "api.new_calendar_token": {},
    "api.create_workshop": {
        "title": "T",
        "description": "D",
        "topic": "Web",
        "starts_at": f"{IN_A_WEEK}T10:00:00",
        "ends_at": f"{IN_A_WEEK}T11:00:00",
        "timezone": "Europe/Madrid",
        "capacity": 5,
        "trainer_id": "{trainer_id}",
    },
    "api.update_workshop": {
        "title": "T2",
        "description": "D2",
        "topic": "Web",
        "starts_at": f"{IN_A_WEEK}T12:00:00",
        "ends_at": f"{IN_A_WEEK}T13:00:00",
        "timezone": "Europe/Madrid",
        "capacity": 6,
    },
    "api.enrol": {},
    "api.enrol_on_behalf": {"user_id": "{user_id}"},
    "api.create_programme": {"name": "Lleida", "locale": "ca", "timezone": "Europe/Madrid"},
    "api.put_staff": {"role": "trainer"},
    "api.import_people": {},  # a raw file: JSON is refused (415), files in test_people_api
    "api.put_attendance": {"status": "present"},
    "api.set_room": {"provider": "", "link": ""},
    "api.create_entity": {"name": "E", "kind": "cooperative", "sector": "S", "size": 5},
    "api.add_member": {"user_id": "{trainer_id}", "role": "member"},
    "api.put_diagnosis": {
        "readiness": 3,
        "market": 3,
        "capacity": 3,
        "needs": ["website"],
        "notes": "N",
    },
    "api.create_itinerary": {"name": "I", "description": "D", "steps": STEPS[:2]},
    "api.create_cohort": {
        "itinerary_id": "{itinerary_id}",
        "name": "C",
        "starts_on": IN_TWO_WEEKS,
        "timezone": "Europe/Madrid",
        "capacity": 5,
    },
    "api.admit_entity": {"entity_id": "{entity_id}"},
    "api.put_mentor": {"user_id": "{trainer_id}"},
    "api.record_progress": {"week": 1, "status": "on_track", "notes": "N"},
    "api.cancel_workshop": {},
    # -- pages -------------------------------------------------------------------------------
    "accounts.sign_up": {"name": "New", "email": "new2@aula.test", "password": "long enough pw"},
    "accounts.sign_in": {"email": "nobody@aula.test", "password": "long enough pw"},
    "accounts.profile": {"name": "Coordinator", "locale": "en", "timezone": "Europe/Madrid"},
    "accounts.set_language": {"locale": "en"},
    "feeds.new_address": {},
    "notifications.retry": {},
    "workshops.new": {
        "title": "T",
        "description": "D",
        "topic": "Web",
        "timezone": "Europe/Madrid",
        "trainer_id": "{trainer_id}",
        "day": IN_A_WEEK,
        "start": "10:00",
        "end": "11:00",
        "capacity": "5",
    },
    "workshops.edit": {
        "title": "T2",
        "description": "D2",
        "topic": "Web",
        "timezone": "Europe/Madrid",
        "day": IN_A_WEEK,
        "start": "12:00",
        "end": "13:00",
        "capacity": "6",
    },
    "workshops.another_date": {"day": IN_A_WEEK, "start": "16:00", "end": "17:00", "capacity": "3"},
    "workshops.enrol": {},
    "workshops.withdraw": {},
    "workshops.take_another_date": {},
    "workshops.give_seat": {},
    "attendance.save": {"status-{user_id}": "present"},
    "attendance.all_present": {},
    "video.settings": {"provider": "", "link": ""},
    "video.join": {},  # a button: the room opens on POST, nothing to fill in
    "entities.index": {"name": "E2", "kind": "cooperative", "sector": "S", "size": "5"},
    "entities.add_member": {"user_id": "{trainer_id}", "role": "member"},
    "entities.diagnosis": {
        "readiness": "3",
        "market": "3",
        "capacity": "3",
        "needs": "website",
        "notes": "N",
    },
    "cohorts.new_itinerary": {
        "name": "I2",
        "description": "D",
        "track": "",
        "steps-0-kind": "workshop",
        "steps-0-title": "Step",
        "steps-0-week": "1",
        "steps-0-weekday": "2",
        "steps-0-start_time": "10:00",
        "steps-0-duration_minutes": "60",
        "steps-0-repeat_every_weeks": "1",
        "steps-0-repeat_count": "1",
    },
    "cohorts.new_cohort": {
        "name": "C2",
        "itinerary_id": "{itinerary_id}",
        "starts_on": IN_TWO_WEEKS,
        "timezone": "Europe/Madrid",
        "capacity": "5",
    },
    "cohorts.admit": {"entity_id": "{entity_id}"},
    "cohorts.mentor": {"user_id": "{trainer_id}"},
    "cohorts.unpair": {},
    "cohorts.check_in": {"week": "1", "status": "on_track", "notes": "N"},
    # -- accounts (pages) --------------------------------------------------------------------
    "accounts.end_other_sessions": {},
    "accounts.forgot_password": {"email": "nobody@aula.test"},
    "accounts.resend_confirmation": {},
    "accounts.create_token": {},
    "accounts.revoke_token": {},
    # -- advice desk (pages) ------------------------------------------------------------------
    "advice.create_request": {
        "topic_id": "{topic_id}",
        "need": "Help with funding",
        "consent": "y",
        "urgency": "normal",
        "entity_id": "",
        "organisation": "",
        "advisor_id": "",
    },
    "advice.book": {"starts_at": "{slot}"},
    "advice.propose": {"starts_at": "{slot}"},
    "advice.move": {"starts_at": "{later_slot}"},
    "advice.held": {},
    "advice.add_note": {"text": "N"},
    "advice.refer": {"topic_id": "{other_topic_id}", "note": "N"},
    "advice.reassign": {"advisor_id": "{advisor_id}", "next": "/advice/coordination"},
    "advice.set_hours": {
        "timezone": "Europe/Madrid",
        "slot_minutes": "60",
        # the days of the slots that later routes book (every day would cost 60 requests)
        "start-{slot_day}-0": "08:00",
        "end-{slot_day}-0": "20:00",
        "start-{later_slot_day}-0": "08:00",
        "end-{later_slot_day}-0": "20:00",
        "days_off": "",
    },
    "advice.create_topic": {
        "name_es": "Tema",
        "name_ca": "",
        "name_gl": "",
        "name_en": "Topic",
        "advisor_ids": "{advisor_id}",
    },
    "advice.update_topic": {"active": "1", "advisor_ids": "{advisor_id}"},
    "advice.set_need": {"level": "first"},
    # -- people (pages) -----------------------------------------------------------------------
    "people.new": {
        "name": "N",
        "email": "new-person@aula.test",
        "role": "learner",
        "locale": "",
        "timezone": "Europe/Madrid",
    },
    "people.set_role": {"role": "learner"},
    "people.enrol": {"workshop_id": "{workshop_id}"},
    "people.reactivate": {},
    "people.import_file": {"file": ""},  # a form without a file: refused, nothing kept
    "people.import_confirm": {},
    # -- advice desk and accounts (API) -------------------------------------------------------
    "api.password_reset": {"email": "nobody@aula.test"},
    "api.create_advice_topic": {"name": "Topic", "advisor_ids": ["{advisor_id}"]},
    "api.update_advice_topic": {"name": "Topic 2", "active": True, "advisor_ids": ["{advisor_id}"]},
    "api.set_advisor_hours": {
        "timezone": "Europe/Madrid",
        "slot_minutes": 60,
        "weekly": [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(1, 8)],
        "days_off": [],
    },
    "api.set_need_level": {"level": "second"},
    "api.create_advice_request": {
        "topic_id": "{topic_id}",
        "need": "Help",
        "consent": True,
        "urgency": "normal",
        "organisation": "",
    },
    "api.book_consultation": {"starts_at": "{slot}"},
    "api.propose_consultation": {"starts_at": "{slot}"},
    "api.refer_request": {"topic_id": "{other_topic_id}", "note": "N"},
    "api.add_note": {"text": "N"},
    "api.reassign_request": {"advisor_id": "{advisor_id}"},
    "api.reschedule_consultation": {"starts_at": "{later_slot}"},
    "api.consultation_held": {},
    # -- last ---------------------------------------------------------------------------------
    "workshops.remove": {},
    "entities.remove_member": {},
    "cohorts.leave": {},
    "workshops.cancel": {},
    "advice.cancel": {},
    "api.cancel_consultation": {},
    "advice.close": {},
    "api.close_request": {},
    "people.move": {"workshop_id": "{workshop_id}"},
    "people.withdraw": {},
    "people.deactivate": {},
    "accounts.change_password": {"current": PASSWORD, "new": "another long pw 1"},
    "api.change_password": {"current_password": PASSWORD, "new_password": "another long pw 2"},
    # A wrong password: closing the walker's account would end the walk (test_personal_data).
    "accounts.close_account": {"password": "not the password"},
    "api.close_account": {"password": "not the password"},
    "accounts.reset_password": {"new": "another long pw 3"},
    "accounts.sign_out": {},
}

#: A URL parameter that means something else on some route, by endpoint: the advisor's hours
#: are the trainer's (the world's ``user_id`` is a learner), and a topic's edits go to a
#: spare topic (one that is switched off takes no more requests).
ARGS: dict[str, dict[str, str]] = {
    "advice.set_hours": {"user_id": "advisor_id"},
    "api.set_advisor_hours": {"user_id": "advisor_id"},
    "api.advisor_hours": {"user_id": "advisor_id"},
    "api.put_staff": {"user_id": "advisor_id"},
    "advice.update_topic": {"topic_id": "spare_topic_id"},
    "api.update_advice_topic": {"topic_id": "spare_topic_id"},
}

#: Routes that end something for good run after the rest.
LAST = (
    "workshops.remove",
    "entities.remove_member",
    "cohorts.leave",
    "api.cancel_workshop",
    "workshops.cancel",
    "advice.cancel",
    "api.cancel_consultation",
    "advice.close",
    "api.close_request",
    "people.move",
    "people.withdraw",
    "people.deactivate",
    "accounts.change_password",
    "api.change_password",
    "accounts.reset_password",
    "accounts.sign_up",  # the walker is the new person from here on
    "accounts.sign_out",
)

#: Routes after which the coordinator's password is put back (and a new API token made, a new
#: password revokes them), so that the next route's ``current_password`` still opens it and
#: its hostile new passwords are read.
PASSWORD_CHANGES = ("accounts.change_password",)

#: Query parameters that some page or route reads.
QUERY_PARAMS = ("topic", "from", "to", "next", "lang", "all", "week", "rows", "status", "q")


def _rules(app, methods: set[str]):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and rule.methods & methods:
            yield rule


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _body(endpoint: str, ids: dict[str, Any]) -> dict[str, Any]:
    return {
        re.sub(r"\{(\w+)\}", lambda m: str(ids[m[1]]), k): _fill(v, ids)
        for k, v in BODIES[endpoint].items()
    }


def _path(rule, ids: dict[str, Any], **override: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        key = ARGS.get(rule.endpoint, {}).get(name, name)
        value = override.get(name, str(ids.get(key, ids["workshop_id"])))
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
    return path


def _method(rule) -> str:
    return next(m for m in ("PATCH", "PUT", "POST") if m in rule.methods)


def _form_bytes(body: dict[str, Any], name: str, value: Any) -> bytes:
    """The form, urlencoded by hand so that ``value`` may be raw bytes."""
    parts = []
    for key, item in {**body, name: value}.items():
        encoded = item if isinstance(item, bytes) else quote(str(item), safe="").encode()
        parts.append(quote(key, safe="").encode() + b"=" + encoded)
    return b"&".join(parts)


class Walk:
    """Sends requests as the world's coordinator and checks each answer."""

    def __init__(self, client, headers: dict[str, str], writes: WriteCounter):
        self.client, self.headers, self.writes = client, headers, writes
        self.written = writes.count()
        self.failures: list[str] = []
        self.sent = 0

    def send(self, label: str, method: str, path: str, **kwargs: Any) -> None:
        api = path.startswith("/api/")
        self.sent += 1
        response = self.client.open(
            path, method=method, headers=self.headers if api else {}, **kwargs
        )
        with self.client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        refused = 400 <= response.status_code < 500 or any(c == "error" for c, _m in flashes)
        written = self.writes.count()
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code}")
        elif refused and written != self.written:
            self.failures.append(f"{label}: refused with {response.status_code}, but wrote")
        elif api and response.status_code >= 400 and not _is_json_error(response):
            self.failures.append(f"{label}: {response.status_code} without a JSON error")
        self.written = written

    def put_password_back(self) -> None:
        """The coordinator's password is the world's again (no request is counted)."""
        from lms.accounts.models import User
        from lms.db import db

        user_id, password_hash = self.coordinator
        user = db.session.get(User, user_id)
        user.password_hash = password_hash
        if self.headers:  # a new password revoked the walker's API token: a new one
            from lms.accounts.operations import issue_token

            self.headers = {"Authorization": f"Bearer {issue_token(user)}"}
        db.session.commit()
        self.written = self.writes.count()


def _is_json_error(response) -> bool:
    body = response.get_json(silent=True) or {}
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and bool(error.get("code")) and bool(error.get("message"))


@pytest.fixture
def walk(app, client, make_user, make_workshop, login, api_token):
    from flask import got_request_exception

    world = make_world(make_user, make_workshop)
    login(world.coordinator)
    writes = WriteCounter()
    writes.install()
    walker = Walk(client, api_token(world.coordinator), writes)
    walker.ids = world.ids() | {"trainer_id": world.trainer.id}
    walker.coordinator = (world.coordinator.id, world.coordinator.password_hash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer to count, not a crash

    def note(_sender, exception, **_extra):
        walker.failures.append(f"  raised {type(exception).__name__}: {exception}"[:300])

    got_request_exception.connect(note, app, weak=False)
    yield walker
    got_request_exception.disconnect(note, app)
    writes.remove()


def test_every_route_that_writes_has_a_body_to_aim_at(app):
    # A new route that takes input is walked too: it needs an entry in BODIES.
    endpoints = {rule.endpoint for rule in _rules(app, WRITES)}
    assert endpoints - set(BODIES) == set()


def _ordered(app) -> list:
    def key(rule) -> tuple:
        last = rule.endpoint in LAST
        return (last, LAST.index(rule.endpoint) if last else 0, rule.endpoint)

    return sorted(_rules(app, WRITES), key=key)


def test_hostile_values_in_every_field_of_every_route_that_writes(app, walk):
    # Huge ids, bad unicode, NUL, line breaks, far dates, null, {}, [] and very long text in
    # any field of any form or JSON body: a 4xx or a success, never a 5xx, and a refused
    # change leaves the database exactly as it was.
    turn = 0
    for rule in _ordered(app):
        method, path = _method(rule), _path(rule, walk.ids)
        body = _body(rule.endpoint, walk.ids)
        api = rule.endpoint.startswith("api.")
        classes = JSON_CLASSES if api else FORM_CLASSES
        for name in body or {"field": ""}:
            for label, values in classes.items():
                turn += 1
                value = pick(values, turn)
                if api:
                    data, content_type = json.dumps({**body, name: value}), "application/json"
                else:
                    data, content_type = _form_bytes(body, name, value), FORM
                walk.send(f"{rule.endpoint} {name}={label} {value!r:.40}", method, path,
                          data=data, content_type=content_type)  # fmt: skip
        if api:
            for value in NOT_AN_OBJECT:  # the body itself is no object
                walk.send(f"{rule.endpoint} body={value!r}", method, path,
                          data=json.dumps(value), content_type="application/json")  # fmt: skip
        if rule.endpoint in PASSWORD_CHANGES:
            walk.put_password_back()
    assert walk.failures == []


FORM = "application/x-www-form-urlencoded"


def test_huge_ids_in_every_address_are_not_found(app, walk):
    # An id beyond the database's integer range is simply nothing there: 404, never a 500.
    for rule in _rules(app, WRITES | {"GET", "DELETE"}):
        method = "GET" if "GET" in rule.methods else _method_or_delete(rule)
        for name in rule.arguments:
            if not re.search(rf"<int:{name}>", rule.rule):
                continue
            for huge in HUGE_IDS:
                path = _path(rule, walk.ids, **{name: huge})
                response = walk.client.open(
                    path, method=method, headers=walk.headers if path.startswith("/api/") else {}
                )
                if response.status_code != 404:
                    walk.failures.append(f"{method} {path}: {response.status_code}")
    assert walk.failures == []


def _method_or_delete(rule) -> str:
    return "DELETE" if "DELETE" in rule.methods else _method(rule)


def test_hostile_query_strings_on_every_page_and_route_that_reads(app, walk):
    # Every query parameter any page reads, set to a hostile value of each class at once:
    # a 4xx or an answer, never a 5xx, and nothing written.
    turn = 0
    for rule in _rules(app, {"GET"}):
        path = _path(rule, walk.ids)
        for label, values in FORM_CLASSES.items():
            if label == "empty":  # an empty parameter is what every form sends
                continue
            turn += 1
            value = "x" * 4000 if label == "long" else pick(values, turn)  # as long as servers take
            raw = value.decode() if isinstance(value, bytes) else quote(value, safe="")
            query = "&".join(f"{p}={raw}" for p in QUERY_PARAMS)
            walk.send(f"GET {path}?…={label} {value!r:.40}", "GET", f"{path}?{query}")
    assert walk.failures == []
