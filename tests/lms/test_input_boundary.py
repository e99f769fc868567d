"""What every input must be at the boundary, finding by finding (issue 15, "Every input")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from courses.workshops import operations as workshops
from courses.workshops.models import Workshop
from lms.db import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.worker import run_pass
from tests.inputs_fixtures import now_plus
from tests.support import fresh

pytest_plugins = ["tests.notify_fixtures"]  # smtp

DAY = now_plus(7)


def _workshop_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Workshop))


def _new_workshop(**fields):
    return {
        "title": "Web",
        "starts_at": f"{DAY}T10:00:00",
        "ends_at": f"{DAY}T11:00:00",
        "timezone": "Europe/Madrid",
        **fields,
    }


def _form(trainer_id: object = 1, **fields: str) -> dict[str, str]:
    """The new-workshop form, filled in."""
    return {"title": "Web", "day": DAY, "start": "10:00", "end": "11:00", "capacity": "5",
            "timezone": "Europe/Madrid", "trainer_id": str(trainer_id), **fields}  # fmt: skip


# -- ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/workshops/99999999999999999999",
        "/workshops/2147483648/edit",
        "/workshops/9223372036854775808.ics",
        "/api/v1/workshops/9223372036854775808",
        "/api/v1/workshops/2147483648/roster",
    ],
)
def test_an_id_beyond_the_databases_range_is_not_found(app, client, path):
    # An id no database column can hold names nothing: 404, never an overflow's 500.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get(path).status_code == 404


def test_a_huge_id_in_a_json_body_is_refused_naming_the_field(app, client, make_user, api_token):
    # A coordinator planning for trainer 2**63 gets a 4xx that names the field.
    headers = api_token(make_user("coordinator"))
    response = client.post(
        "/api/v1/workshops", json=_new_workshop(trainer_id=2**63), headers=headers
    )
    assert response.status_code == 422
    assert "trainer_id" in response.json["error"]["message"]


# -- text that is not text -----------------------------------------------------------------


def test_a_lone_surrogate_in_json_is_a_400_naming_the_field(client, make_user, api_token):
    # "\ud800" is no Unicode: no database can store it. A 400 with a JSON error, nothing kept.
    headers = api_token(make_user("trainer"))
    body = json.dumps(_new_workshop()).replace('"Web"', '"Web \\ud800"')
    response = client.post(
        "/api/v1/workshops", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_text"
    assert "title" in response.json["error"]["message"]
    assert _workshop_count() == 0


def test_a_nul_in_a_form_is_a_400_in_the_persons_language(client, make_user, login):
    # PostgreSQL refuses NUL in text; SQLite would keep it. Both answer a 400 page, in Spanish
    # for a Spanish reader, and nothing is written.
    login(make_user("trainer", locale="es"))
    form = _form(title="Web\x00")
    response = client.post("/workshops/new", data=form)
    assert response.status_code == 400
    assert "no están permitidos" in response.get_data(as_text=True)
    assert _workshop_count() == 0


def test_a_nul_in_a_query_string_is_a_400(client):
    # The catalogue's topic filter with a NUL in it: a clear 400, on both databases.
    response = client.get("/api/v1/workshops?topic=web%00")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_text"
    assert client.get("/?topic=web%00").status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", None), ("title", {}), ("title", ["Web"]), ("capacity", "10"),
     ("capacity", True), ("starts_at", 5), ("timezone", [])],
)  # fmt: skip
def test_a_wrong_json_type_is_a_4xx_naming_the_field(client, make_user, api_token, field, value):
    # null where text is expected, {} or [] where a value is, a string for a number.
    headers = api_token(make_user("trainer"))
    response = client.post(
        "/api/v1/workshops", json=_new_workshop(**{field: value}), headers=headers
    )
    assert 400 <= response.status_code < 500
    assert field in response.json["error"]["message"]
    assert _workshop_count() == 0


def test_an_object_where_a_list_is_expected_names_the_field(client, make_user, api_token):
    # A diagnosis's needs are a list; {} is refused with a message naming "needs".
    from courses.entities import operations as entities

    entity = entities.create_entity(name="Coop", kind="cooperative")
    db.session.commit()
    headers = api_token(make_user("coordinator"))
    response = client.put(
        f"/api/v1/entities/{entity.id}/diagnosis",
        json={"readiness": 3, "market": 3, "capacity": 3, "needs": {}},
        headers=headers,
    )
    assert response.status_code == 422
    assert "needs" in response.json["error"]["message"]


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2100-01-01", "1999-12-31"])
def test_a_workshop_dated_outside_the_years_aula_accepts_is_refused(
    client, make_user, api_token, login, day
):
    # In the API and in the form alike: a 422 with the range in the message, nothing kept.
    trainer = make_user("trainer")
    response = client.post(
        "/api/v1/workshops",
        json=_new_workshop(starts_at=f"{day}T10:00:00", ends_at=f"{day}T11:00:00"),
        headers=api_token(trainer),
    )
    assert response.status_code == 422
    assert "2000" in response.json["error"]["message"]
    login(trainer)
    form = _form(trainer.id, day=day)
    page = client.post("/workshops/new", data=form)
    assert page.status_code == 422
    assert "2099" in page.get_data(as_text=True)
    assert _workshop_count() == 0


@pytest.mark.parametrize("query", ["from=9999-12-31", "to=9999-12-31", "from=0001-01-01",
                                   "to=9999-12-31T23:59:59%2B14:00"])  # fmt: skip
def test_a_far_date_in_the_catalogues_filters_is_a_400(client, query):
    # The catalogue's filters, in the API and on the page: a 400 that says which years.
    api = client.get(f"/api/v1/workshops?{query}")
    assert api.status_code == 400
    assert "2099" in api.json["error"]["message"]
    page = client.get(f"/?{query}", headers={"Accept-Language": "gl"})
    if "T" not in query:  # the page takes days only, and ignores what is no day
        assert page.status_code == 400
        assert "2099" in page.get_data(as_text=True)


def test_a_cancelled_workshop_can_still_be_put_right(app, client, make_user, make_workshop,
                                                     login, api_token):  # fmt: skip
    # A cancelled workshop's title and times can be corrected (a far date stored before dates
    # were checked, a title with a line break), but not its seats.
    trainer = make_user("trainer")
    workshop = make_workshop(trainer=trainer)
    workshops.cancel_workshop(workshop.id)
    db.session.commit()
    db.session.execute(
        sa.update(Workshop)
        .where(Workshop.id == workshop.id)
        .values(
            title="Broken\ntitle",
            starts_at=datetime(9999, 12, 31, 10, tzinfo=UTC),
            ends_at=datetime(9999, 12, 31, 11, tzinfo=UTC),
        )
    )
    db.session.commit()
    headers = api_token(trainer)
    response = client.patch(
        f"/api/v1/workshops/{workshop.id}",
        json={"title": "Fixed", "starts_at": f"{DAY}T10:00:00", "ends_at": f"{DAY}T11:00:00"},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert fresh(workshop).title == "Fixed"
    assert fresh(workshop).starts_at.year < 2100
    seats = client.patch(f"/api/v1/workshops/{workshop.id}", json={"capacity": 20},
                         headers=headers)  # fmt: skip
    assert seats.status_code == 409
    login(trainer)
    assert client.get(f"/workshops/{workshop.id}/edit").status_code == 200
    form = _form(title="Fixed again", capacity=str(workshop.capacity))
    del form["trainer_id"]
    assert client.post(f"/workshops/{workshop.id}/edit", data=form).status_code == 303
    assert fresh(workshop).title == "Fixed again"


# -- local times that do not exist, or exist twice ------------------------------------------


def test_a_local_time_the_clocks_skip_is_refused(client, make_user, api_token, login):
    # 02:30 on 28 March 2027 does not exist in Madrid (02:00 becomes 03:00): refused in the API
    # and in the form, with the time and the zone in the message, on both databases.
    trainer = make_user("trainer")
    response = client.post(
        "/api/v1/workshops",
        json=_new_workshop(starts_at="2027-03-28T02:30:00", ends_at="2027-03-28T04:00:00"),
        headers=api_token(trainer),
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "nonexistent_time"
    assert "02:30" in response.json["error"]["message"]
    login(trainer)
    form = _form(trainer.id, day="2027-03-28", start="02:30", end="04:00")
    page = client.post("/workshops/new", data=form)
    assert page.status_code == 422
    assert "Europe/Madrid" in page.get_data(as_text=True)
    assert _workshop_count() == 0


def test_a_local_time_the_clocks_show_twice_is_the_first(client, make_user, api_token, login):
    # 02:30 on 31 October 2027 happens twice in Madrid: it is read as the first, in summer
    # time (00:30 UTC), in the API and in the form, and shown back as it was written.
    trainer = make_user("trainer")
    response = client.post(
        "/api/v1/workshops",
        json=_new_workshop(starts_at="2027-10-31T02:30:00", ends_at="2027-10-31T04:00:00"),
        headers=api_token(trainer),
    )
    assert response.status_code == 201
    assert response.json["starts_at"] == "2027-10-31T02:30:00+02:00"
    login(trainer)
    form = _form(trainer.id, day="2027-10-31", start="02:30", end="04:00")
    assert client.post("/workshops/new", data=form).status_code == 303
    db.session.rollback()
    starts = db.session.scalars(sa.select(Workshop.starts_at)).all()
    assert starts == [datetime(2027, 10, 31, 0, 30, tzinfo=UTC)] * 2


# -- line breaks ---------------------------------------------------------------------------


def test_a_line_break_in_the_catalogue_feeds_topic_injects_no_event(client, make_workshop):
    # ?topic= goes into the calendar's name: a line break there must not end the line (with
    # ``python -O`` the library's own assert is gone). The name stays one line; no event is
    # added.
    make_workshop(topic="Web")
    hostile = "Web%0D%0ABEGIN:VEVENT%0D%0AUID:evil%0D%0ASUMMARY:Pay here%0D%0AEND:VEVENT"
    response = client.get(f"/calendar/catalog.ics?topic={hostile}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    lines = text.split("\r\n")
    assert "UID:evil" not in lines
    assert "BEGIN:VEVENT" not in lines  # no workshop has that topic, and none was injected
    names = [line for line in text.split("\r\n") if line.startswith("X-WR-CALNAME")]
    assert len(names) == 1 and "BEGIN:VEVENT" in names[0]


def test_a_line_break_in_a_title_is_one_line_and_its_mail_is_delivered(
    app, make_user, make_workshop, smtp
):
    # A title kept with a line break (before titles were made one line) neither stops its
    # messages (the e-mail header guard) nor injects a header; new titles are one line.
    app.config.update(smtp.config)
    workshop = make_workshop(title="Legal\r\nBcc: evil@example.org")
    learner = make_user("learner")
    db.session.execute(
        sa.update(Workshop).where(Workshop.id == workshop.id).values(title="Legal\nBcc: x@y.z")
    )
    db.session.commit()
    workshops.enrol(workshop.id, db.session.merge(learner))
    db.session.commit()
    run_pass()
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.sent]
    [mail] = smtp.inbox.to(learner.email)
    assert mail["Subject"].endswith("Legal Bcc: x@y.z")
    assert mail["Bcc"] is None


def test_single_line_fields_become_one_line_at_the_boundary(client, make_user, api_token):
    # Titles and topics (API) and names (form) lose their line breaks and control characters.
    headers = api_token(make_user("trainer"))
    response = client.post(
        "/api/v1/workshops",
        json=_new_workshop(title="Web\r\n\tdesign", topic="A\u2028B", description="l1\nl2"),
        headers=headers,
    )
    assert response.status_code == 201
    assert (response.json["title"], response.json["topic"]) == ("Web design", "A B")
    assert response.json["description"] == "l1\nl2"  # text of several lines keeps them


# -- redirects -----------------------------------------------------------------------------


HOSTILE_NEXT = ["/\t/evil.example", "/%09/evil.example", "\t//evil.example", "//evil.example",
                "/\\evil.example", "/\r\nSet-Cookie:x=1", "https://evil.example",
                "/\u3000/evil.example", "/ /evil.example"]  # fmt: skip


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_and_language_never_send_anyone_to_another_host(app, client, make_user, target):
    # ?next= after signing in or choosing a language: a path on this site or the catalogue.
    from urllib.parse import quote

    from lms.security import safe_next

    app.config["PROPAGATE_EXCEPTIONS"] = False
    user = make_user("learner")
    expected = "/" if "%09" not in target else "/%09/evil.example"  # stays on this site
    assert safe_next(target, "/") in ("/", "/%09/evil.example")
    signed_in = client.post(
        f"/sign-in?next={quote(target, safe='')}",
        data={"email": user.email, "password": "correct horse battery"},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == expected
    language = client.post(f"/language?next={quote(target, safe='')}", data={"locale": "es"})
    assert language.status_code == 302
    assert language.headers["Location"] == expected


def test_a_path_on_this_site_is_kept(client):
    # The safe helper keeps what it should: a path with a query.
    from lms.security import safe_next

    assert safe_next("/workshops/3?x=1", "/") == "/workshops/3?x=1"
    response = client.post("/language?next=/workshops/3%3Fx%3D1", data={"locale": "es"})
    assert response.headers["Location"] == "/workshops/3?x=1"
