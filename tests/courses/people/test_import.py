"""Importing people from a CSV or XLSX file with Moodle's upload-users columns: a preview of
every row's outcome that writes nothing, then all of it or nothing; bad files and bad rows
are refused with their reason, in the reader's language, and change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from courses.people import imports
from courses.people.models import PeopleImport, StaffAction, StaffActionKind
from courses.workshops.models import Enrolment, EnrolmentState
from lms.accounts.models import AccountToken, Role, User
from lms.accounts.operations import NO_PASSWORD
from lms.db import db
from lms.notifications.models import OutboxMessage
from lms.notifications.operations import outgoing
from tests.people_fixtures import (
    HEADER,
    csv_file,
    preview_path,
    upload,
    user_count,
    users_named,
    xlsx_file,
)
from tests.support import count_queries

GOOD = (
    "maria,maria@aula.test,María,Castro Vidal,gl,Europe/Madrid,Coop A",
    "jordi,jordi@aula.test,Jordi,Puig,ca,,",
    "ana,ana@aula.test,Ana,López,,America/Bogota,",
)


def _counts() -> tuple[int, int, int, int]:
    db.session.rollback()
    return tuple(  # type: ignore[return-value]
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, OutboxMessage, Enrolment, StaffAction)
    )


@pytest.fixture
def coordinator(make_user, login):
    staff = make_user("coordinator")
    login(staff)
    return staff


def test_the_preview_shows_every_row_and_writes_nothing(client, coordinator, make_user):
    # Sending a file shows each row's outcome (new, updated, error with its reason) and
    # writes no account, message, enrolment or record: only the checked rows, kept for
    # the preview under a random id.
    make_user("learner", email="ana@aula.test", name="Old Name")
    before = _counts()
    preview = client.get(preview_path(upload(client, csv_file(*GOOD)))).text
    assert _counts() == before
    assert "2 new accounts" in preview and "1 account updated" in preview
    assert "María Castro Vidal" in preview and "Import these people" in preview
    (staged,) = db.session.scalars(sa.select(PeopleImport))
    assert len(staged.id) >= 40 and staged.staff_id == coordinator.id


def test_confirming_writes_every_row_at_once_and_mails_the_new_accounts(
    client, coordinator, make_user, make_workshop
):
    # Confirmed, the import makes the new accounts (confirmed, learners, no password that
    # opens them, their language and zone), brings existing ones up to date, enrols the
    # people in the workshop named by the queue's rule (full: the waiting list), mails each
    # new account a link to choose a password in its language, and records who imported.
    existing = make_user("learner", email="ana@aula.test", name="Old Name")
    workshop = make_workshop(capacity=1)
    rows = [*GOOD[:2], "ana,ana@aula.test,Ana,López,,America/Bogota,"]
    header = HEADER + ",workshop"
    data = csv_file(*(f"{row},{workshop.id}" for row in rows), header=header)
    path = preview_path(upload(client, data))
    response = client.post(f"{path}/confirm")
    assert response.status_code == 303
    people = users_named("maria@aula.test", "jordi@aula.test", "ana@aula.test")
    maria, jordi, ana = (
        people["maria@aula.test"],
        people["jordi@aula.test"],
        people["ana@aula.test"],
    )
    assert maria.name == "María Castro Vidal" and maria.locale == "gl" and maria.is_confirmed
    assert maria.role is Role.learner and maria.password_hash == NO_PASSWORD
    assert jordi.timezone == "Europe/Madrid"  # the site's default
    assert ana.id == existing.id and ana.name == "Ana López" and ana.timezone == "America/Bogota"
    states = dict(
        db.session.execute(
            sa.select(Enrolment.user_id, Enrolment.state).where(
                Enrolment.workshop_id == workshop.id
            )
        ).all()
    )
    assert sorted(states.values(), key=lambda s: s.value) == [
        EnrolmentState.enrolled, EnrolmentState.waitlisted, EnrolmentState.waitlisted
    ]  # fmt: skip
    welcome = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "people.welcome")
    ).all()
    assert {m.recipient_id for m in welcome} == {maria.id, jordi.id}
    to_maria = outgoing(next(m for m in welcome if m.recipient_id == maria.id))
    assert "contrasinal" in to_maria.text and "/password/reset/" in to_maria.text
    tokens = db.session.scalar(sa.select(sa.func.count(AccountToken.id)))
    assert tokens == 2
    recorded = db.session.scalars(
        sa.select(StaffAction).where(StaffAction.kind == StaffActionKind.imported)
    ).all()
    assert {a.person_id for a in recorded} == {maria.id, jordi.id, ana.id}
    assert {a.staff_id for a in recorded} == {coordinator.id}
    again = client.post(f"{path}/confirm")  # an import is written once
    assert again.status_code == 303 and user_count() == 5


def test_a_row_with_an_error_makes_the_confirm_refuse_and_write_nothing(client, coordinator):
    # One bad row (an address that is none) and the whole file is refused at confirmation:
    # no account, message or record is written.
    data = csv_file(*GOOD, "x,not-an-address,Xan,Pérez,,,")
    path = preview_path(upload(client, data))
    preview = client.get(path).text
    assert "1 row with an error" in preview and "not a valid e-mail address" in preview
    assert "Import these people" not in preview
    before = _counts()
    refused = client.post(f"{path}/confirm", follow_redirects=True)
    assert "Nothing was imported" in refused.text
    assert _counts() == before


def test_another_coordinator_cannot_open_or_confirm_someone_elses_import(
    client, coordinator, make_user, login
):
    # The checked rows are the sender's alone: another coordinator gets a 404, and writes nothing.
    path = preview_path(upload(client, csv_file(*GOOD)))
    login(make_user("coordinator"))
    assert client.get(path).status_code == 404
    before = _counts()
    assert client.post(f"{path}/confirm").status_code == 303  # refused, back to the form
    assert _counts() == before


def _latin1() -> bytes:
    return csv_file("x,jose@aula.test,José,Núñez,,,", encoding="latin-1")


def _too_big() -> bytes:
    row = "u,a@aula.test,A,B,,," + " " * 200
    return csv_file(*([row] * (imports.MAX_BYTES // 200 + 10)))


BAD_FILES = {
    "latin-1": ("people.csv", _latin1(), "not in UTF-8"),
    "missing columns": (
        "people.csv",
        b"email,name\na@aula.test,A\n",
        "missing: firstname, lastname",
    ),
    "NUL bytes": ("people.csv", "email,firstname,lastname\n".encode("utf-16"), "NUL bytes"),
    "not a zip": ("people.xlsx", b"email,firstname,lastname\n", "not an .xlsx file"),
    "damaged zip": ("people.xlsx", b"PK\x05\x06" + b"\x00" * 18, "damaged"),
    "empty": ("people.csv", b"", "empty"),
    "header only": ("people.csv", b"email,firstname,lastname\n", "no rows"),
    "other type": ("people.pdf", b"%PDF-1.4", ".csv or an .xlsx"),
    "too big": ("people.csv", _too_big(), "too big"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_its_reason_and_changes_nothing(client, coordinator, case):
    # A file that cannot be read as a table of people is refused as a whole, with a reason
    # the coordinator can act on, and nothing is kept of it (not even for a preview).
    name, data, reason = BAD_FILES[case]
    before = _counts()
    response = upload(client, data, name)
    assert response.status_code in (413, 422), response.status_code
    assert reason in response.text
    assert _counts() == before
    assert db.session.scalar(sa.select(sa.func.count(PeopleImport.id))) == 0


def test_the_reason_is_in_the_coordinators_language(client, make_user, login):
    # A Galician-speaking coordinator reads why a Latin-1 file is refused in Galician.
    login(make_user("coordinator", locale="gl"))
    response = upload(client, _latin1())
    assert response.status_code == 422 and "non está en UTF-8" in response.text


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil.example","x")', "+34 600", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_formulas_are_refused_never_stored(client, coordinator, cell):
    # A cell a spreadsheet would run as a formula (= + - @, a tab) makes its row an error,
    # so the file cannot be confirmed and the formula is never stored.
    data = csv_file(f'x,f@aula.test,"{cell}",Castro,,,'.replace('""', '"'))
    if '"' in cell:
        data = csv_file('x,f@aula.test,"=HYPERLINK(""http://evil.example"",""x"")",Castro,,,')
    path = preview_path(upload(client, data))
    preview = client.get(path).text
    assert "formula" in preview and "1 row with an error" in preview
    client.post(f"{path}/confirm")
    assert users_named("f@aula.test") == {}


def test_duplicated_addresses_are_errors_that_name_the_other_line(client, coordinator):
    # The same address twice in a file (whatever its case) is an error naming the first line.
    data = csv_file("a,dup@aula.test,A,B,,,", "b,DUP@aula.test,C,D,,,")
    preview = client.get(preview_path(upload(client, data))).text
    assert "The address dup@aula.test is also on line 2." in preview


def test_bad_values_in_a_row_are_errors_with_their_reason(client, coordinator, make_workshop):
    # An unknown language or zone, a missing last name, a workshop that is not there or not
    # a number: each row gets its own reason.
    header = HEADER + ",workshop"
    data = csv_file(
        "a,a@aula.test,A,B,xx,,,",
        "b,b@aula.test,A,B,,Mars/Olympus,,",
        "c,c@aula.test,A,,,,,",
        "d,d@aula.test,A,B,,,,99999",
        "e,e@aula.test,A,B,,,,two",
        header=header,
    )
    preview = client.get(preview_path(upload(client, data))).text
    for reason in ("Unknown language: xx", "Unknown time zone: Mars/Olympus",
                   "first name and a last name", "no such workshop", "by its number"):  # fmt: skip
        assert reason in preview


def test_an_xlsx_file_imports_like_a_csv(client, coordinator):
    # The first sheet of a workbook, header first, numbers as they read; formulas refused.
    data = xlsx_file(
        [
            ["username", "email", "firstname", "lastname", "lang"],
            ["x", "xoan@aula.test", "Xoán", "Rei", "gl"],
            ["y", "yago@aula.test", "Yago", "=1+1", "gl"],
        ]
    )
    preview = client.get(preview_path(upload(client, data, "people.xlsx"))).text
    assert "Xoán Rei" in preview and "formula" in preview
    good = xlsx_file([["email", "firstname", "lastname"], ["xoan@aula.test", "Xoán", "Rei"]])
    path = preview_path(upload(client, good, "people.xlsx"))
    assert client.post(f"{path}/confirm").status_code == 303
    assert users_named("xoan@aula.test")["xoan@aula.test"].name == "Xoán Rei"


def test_a_semicolon_csv_with_a_byte_order_mark_is_read(client, coordinator):
    # Spreadsheets in Spanish save CSV with ';' and a BOM: both are understood.
    data = "\ufeffemail;firstname;lastname\nrosa@aula.test;Rosa;Díaz\n".encode()
    path = preview_path(upload(client, data))
    assert "Rosa Díaz" in client.get(path).text


def test_the_import_writes_in_chunks_not_row_by_row(app, make_user):
    # 1,500 rows are written in a handful of statements (one INSERT per thousand rows of
    # each table, one UPDATE for the existing): the statements do not grow with the rows.
    from courses.people import operations

    staff = make_user("coordinator")
    rows = [f"u{i},p{i}@aula.test,P{i},Q,,," for i in range(1500)]
    staged = operations.stage_import(staff, "big.csv", csv_file(*rows))
    db.session.commit()
    with count_queries() as statements:
        done = operations.confirm_import(staff, staged.id)
        db.session.commit()
    assert done == {"new": 1500, "updated": 0}
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # users, tokens, outbox, records, programme members: 2 chunks each
    assert len(inserts) <= 10, len(inserts)
    assert len(statements) <= 30, len(statements)
    assert user_count() == 1501


def test_a_row_without_a_language_is_mailed_in_the_coordinators(client, make_user, login):
    # An imported person with no "lang" is written to in the language of the coordinator who
    # imported them (the page they read), not in the site's default.
    login(make_user("coordinator", locale="gl"))
    path = preview_path(upload(client, csv_file("x,xiana@aula.test,Xiana,Rey,,,")))
    client.post(f"{path}/confirm")
    db.session.rollback()
    (message,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "people.welcome")
    )
    assert "contrasinal" in outgoing(message).subject


def _confirm_in_a_process(args: tuple) -> str:
    """In a fresh OS process with its own app: confirm the import; what came of it."""
    import time

    from courses.people import operations
    from lms import create_app
    from lms.accounts.models import User as Person
    from lms.errors import DomainError
    from tests.conftest import TEST_CONFIG

    url, instance, staff_id, import_id, start_at = args
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url}, instance_path=instance)
    with app.test_request_context():
        staff = db.session.get(Person, staff_id)
        db.session.rollback()
        time.sleep(max(0.0, start_at - time.time()))
        try:
            operations.confirm_import(staff, import_id)
            db.session.commit()
            outcome = "written"
        except DomainError as e:
            db.session.rollback()
            outcome = f"refused {e.status}"
        except Exception as e:  # counted, not raised: the test says which
            outcome = f"failed {type(e).__name__}: {e}"[:300]
        db.session.remove()
        db.engine.dispose()
    return outcome


def test_four_processes_confirming_one_import_write_it_once(app, database_url, tmp_path, make_user):
    # Four OS processes confirm the same checked file at the same moment: one writes it, the
    # others are refused with a 4xx (never an error), and every person exists once.
    import multiprocessing
    import time

    from courses.people import operations

    staff = make_user("coordinator")
    rows = [f"u{i},race{i}@aula.test,R{i},S,,," for i in range(200)]
    staged = operations.stage_import(staff, "race.csv", csv_file(*rows))
    db.session.commit()
    import_id, staff_id = staged.id, staff.id
    db.session.remove()
    args = [(database_url, str(tmp_path / f"i{n}"), staff_id, import_id, time.time() + 1.5)
            for n in range(4)]  # fmt: skip
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        outcomes = sorted(pool.map(_confirm_in_a_process, args))
    assert outcomes[0] == "refused 404" or outcomes[0].startswith("refused"), outcomes
    assert outcomes.count("written") == 1, outcomes
    assert all(o == "written" or o.startswith("refused 4") for o in outcomes), outcomes
    assert user_count() == 201
    mails = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "people.welcome")
    )
    assert mails == 200


def test_a_file_over_the_sites_form_limit_but_within_the_imports_is_read(client, coordinator):
    # The import takes files up to 4 MB, though the site's other forms stop at 1 MB: a
    # 1.4 MB file of 12,000 people reaches its preview, every row counted.
    place = "Castro Vidal Barreiro,gl,Europe/Madrid,Cooperativa de Traballo Asociado Exemplo"
    data = csv_file(*(f"user{i},person{i}@aula.test,Persoa {i},{place}" for i in range(12_000)))
    assert len(data) > client.application.config["MAX_CONTENT_LENGTH"] * 1.35
    preview = client.get(preview_path(upload(client, data))).text
    assert "12000 new accounts" in preview
