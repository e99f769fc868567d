"""Everything a coordinator does to people from the people pages, each recorded as done by
whom (:class:`~.models.StaffAction`). Seats go through ``courses.workshops.operations``:
enrolling someone on their behalf takes the same queue, and sends the same notices, as when
they enrol themselves."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from courses.workshops import operations as workshops
from courses.workshops.models import Enrolment, Workshop
from lms.accounts import operations as accounts
from lms.accounts.models import Role, User
from lms.db import begin_write, db, utcnow
from lms.errors import Conflict, NotFound
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.operations import is_muted
from lms.programmes import operations as programmes
from lms.programmes.models import ProgrammeMember, ProgrammeRole

from . import imports, permissions, queries
from .mail import KIND, welcome_facts
from .models import PeopleImport, StaffAction, StaffActionKind

_K = StaffActionKind
#: A file checked and not confirmed is forgotten after this.
IMPORT_HOURS = 24
EXPIRED = _l("This import has expired or was already done. Please send the file again.")
CHANGED = _l("Some of these people have an account since the preview. Please send the file again.")
#: Rows per INSERT when importing.
CHUNK = 1000


def bulk_insert(table: Any, rows: list[dict[str, Any]], *returning: Any) -> list[Any]:
    """Insert ``rows`` into ``table``, ``CHUNK`` rows per INSERT statement: the statement is
    compiled once and SQLAlchemy's "insertmanyvalues" sends each chunk as one multi-row
    ``INSERT … VALUES (…), (…) RETURNING …`` on SQLite and PostgreSQL alike. Returns the
    ``returning`` columns of every row (its id when none are named)."""
    if not rows:
        return []
    returned = returning or (table.c.id,)
    if db.engine.dialect.name == "postgresql":
        return _unnest_insert(table, rows, returned)
    statement = table.insert().returning(*returned)
    statement = statement.execution_options(insertmanyvalues_page_size=CHUNK)
    return list(db.session.execute(statement, rows))


def _unnest_insert(table: Any, rows: list[dict[str, Any]], returned: Any) -> list[Any]:
    """PostgreSQL: each chunk as ``INSERT … SELECT unnest(:col1), unnest(:col2) …``, one array
    parameter per column (psycopg spends seconds rewriting the placeholders of a statement
    with thousands of them)."""
    from sqlalchemy.dialects.postgresql import ARRAY

    names = list(rows[0])
    found: list[Any] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        arrays = [
            sa.func.unnest(
                sa.bindparam(f"p_{name}", [row[name] for row in chunk],
                             type_=ARRAY(table.c[name].type))
            ).label(name)
            for name in names
        ]  # fmt: skip
        statement = table.insert().from_select(names, sa.select(*arrays)).returning(*returned)
        found.extend(db.session.execute(statement))
    return found


def _record(staff: User, person_id: int, kind: StaffActionKind, *, workshop_id: int | None = None,
            detail: str = "") -> None:  # fmt: skip
    db.session.add(
        StaffAction(
            staff_id=staff.id,
            person_id=person_id,
            kind=kind,
            workshop_id=workshop_id,
            detail=detail[:200],
            at=utcnow(),
        )
    )


def create_account(staff: User, *, email: str, name: str, role: Role, locale: str = "",
                   timezone: str = "") -> User:  # fmt: skip
    """A confirmed account without a password; the person is mailed a link to choose one."""
    programme_id = permissions.programme_for_people(staff)
    person = accounts.create_user(
        email, name, None, role, locale=locale, timezone=timezone or None, confirmed=True
    )
    _join([person.id], programme_id)
    _welcome([(person.id, person.email, person.name, person.locale)])
    _record(staff, person.id, _K.created, detail=role.value)
    return person


def _welcome(people: list[tuple[int, str, str, str]]) -> None:
    """A link to choose a password for each ``(id, email, name, locale)``, as outbox rows
    written in bulk (one INSERT per chunk)."""
    if not people:
        return
    tokens = accounts.password_links([p[0] for p in people])
    if is_muted():
        return
    reader = str(get_locale() or "")  # without a language of their own: the coordinator's
    now = utcnow()
    days = accounts.WELCOME_LINK_DAYS
    rows = [
        {
            "kind": KIND,
            "channel": "email",
            "recipient_id": user_id,
            "recipient_address": email,
            "payload": {
                "to_name": name,
                "facts": welcome_facts(locale or reader, tokens[user_id], days),
            },
            "status": OutboxStatus.pending,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for user_id, email, name, locale in people
    ]
    bulk_insert(OutboxMessage.__table__, rows)
    db.session.info["outbox_enqueued"] = True


def change_role(staff: User, person: User, role: Role) -> None:
    if person.id == staff.id and role is not Role.coordinator:
        raise Conflict(
            _l("You cannot take your own coordinator role: ask another coordinator."),
            code="own_role",
        )
    before = person.role
    programme_id = permissions.programme_for_people(staff)
    held = _STAFF_ROLE.get(role)
    if held is not None:  # a trainer or coordinator of the programme, not just of the site
        programmes.add_member(programme_id, person, held)
    else:  # back to learner: no longer staff of the programme
        for staff_role in _STAFF_ROLE.values():
            programmes.remove_member(programme_id, person.id, staff_role)
    if before is role:
        return
    accounts.change_role(person, role)
    _record(staff, person.id, _K.role_changed, detail=role.value)


#: The programme role a site role given on the people page stands for.
_STAFF_ROLE = {Role.trainer: ProgrammeRole.trainer, Role.coordinator: ProgrammeRole.coordinator}


def deactivate(staff: User, person: User) -> None:
    if person.id == staff.id:
        raise Conflict(_l("You cannot deactivate your own account."), code="own_account")
    begin_write()
    if person.is_deactivated:
        return
    accounts.deactivate(person)
    _record(staff, person.id, _K.deactivated)


def reactivate(staff: User, person: User) -> None:
    begin_write()
    if not person.is_deactivated:
        return
    accounts.reactivate(person)
    _record(staff, person.id, _K.reactivated)


def _learner(person: User) -> None:
    if person.role is not Role.learner:
        raise Conflict(_l("Only learners enrol in workshops."), code="not_a_learner")
    if person.is_deactivated:
        raise Conflict(_l("This account is deactivated."), code="deactivated")


def _theirs(staff: User, workshop_id: int) -> None:
    """A workshop of another programme is none to ``staff``."""
    if not permissions.may_use_workshop(staff, db.session.get(Workshop, workshop_id)):
        raise NotFound(_l("There is no such workshop."))


def enrol(staff: User, person: User, workshop_id: int) -> Enrolment:
    """Enrol ``person`` as if they had asked: a seat, or the end of the waiting list, in a
    workshop of a programme ``staff`` coordinates."""
    _learner(person)
    _theirs(staff, workshop_id)
    enrolment, changed = workshops.enrol(workshop_id, person)
    if changed:
        _record(staff, person.id, _K.enrolled, workshop_id=workshop_id,
                detail=enrolment.state.value)  # fmt: skip
    return enrolment


def withdraw(staff: User, person: User, workshop_id: int) -> Enrolment:
    """Withdraw ``person`` as if they had asked; the freed seat goes to the first waiting."""
    enrolment = workshops.withdraw(workshop_id, person.id)
    _record(staff, person.id, _K.withdrawn, workshop_id=workshop_id)
    return enrolment


def move(staff: User, person: User, from_id: int, to_id: int) -> Enrolment:
    """Move ``person`` from one workshop to another date of the same topic, at once: a seat
    there (or the end of its waiting list), and their place here is given up."""
    _learner(person)
    _theirs(staff, to_id)
    enrolment = workshops.move_to_date(from_id, to_id, person)
    _record(staff, person.id, _K.moved, workshop_id=to_id, detail=f"from {from_id}")
    return enrolment


# -- import --------------------------------------------------------------------------------


def stage_import(staff: User, filename: str, data: bytes) -> PeopleImport:
    """Read and check a file; keep its rows (not the file) for the preview, under a random
    id, for ``staff`` alone, for a day. A file that cannot be read is refused with its reason
    and nothing is kept."""
    table = imports.read_table(filename, data)
    rows = imports.check_rows(staff, table)
    begin_write()
    db.session.execute(sa.delete(PeopleImport).where(PeopleImport.expires_at < utcnow()))
    staged = PeopleImport(
        id=secrets.token_urlsafe(32),
        staff_id=staff.id,
        filename=filename[-200:],
        rows=rows,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(hours=IMPORT_HOURS),
    )
    db.session.add(staged)
    return staged


def confirm_import(staff: User, import_id: str, programme_id: int | None = None) -> dict[str, int]:
    """Write a checked file, all of it or nothing: a row with an error refuses the whole.
    New accounts are inserted a thousand per INSERT, confirmed and without a password, each
    mailed a link to choose one; existing ones get their name, language and zone; the
    workshops named take them by the queue's rule. Returns how many were made and updated."""
    begin_write()
    staged = queries.pending_import(import_id, staff, lock=True)
    if staged is None:
        raise NotFound(EXPIRED, code="no_import")
    rows = staged.rows
    if any(row["outcome"] == "error" for row in rows):
        raise Conflict(
            _l("Some rows have errors: correct the file and send it again. Nothing was imported."),
            code="rows_with_errors",
        )
    new = [row for row in rows if row["outcome"] == "new"]
    updated = [row for row in rows if row["outcome"] == "updated"]
    if queries.existing_emails([row["email"] for row in new]):
        raise Conflict(CHANGED, code="changed_since_preview")
    try:
        ids = _insert_people(new)
    except sa.exc.IntegrityError:  # someone made one of these accounts meanwhile
        db.session.rollback()
        raise Conflict(CHANGED, code="changed_since_preview") from None
    _update_people(updated)
    for row in updated:
        ids[row["email"]] = row["user_id"]
    _join(list(ids.values()), permissions.programme_for_people(staff, programme_id))
    _welcome([(ids[r["email"]], r["email"], r["name"], r["lang"]) for r in new])
    _enrol_named(rows, ids)
    _record_import(staff, [ids[r["email"]] for r in rows], staged.filename)
    staged.confirmed_at = utcnow()
    return {"new": len(new), "updated": len(updated)}


def _join(person_ids: list[int], programme_id: int) -> None:
    """The people join the programme as learners (those not in it yet), in bulk."""
    if not person_ids:
        return
    member = ProgrammeMember.__table__
    already: set[int] = set()
    for start in range(0, len(person_ids), CHUNK):
        already |= set(
            db.session.scalars(
                sa.select(member.c.user_id).where(
                    member.c.programme_id == programme_id,
                    member.c.role == ProgrammeRole.learner,
                    member.c.user_id.in_(person_ids[start : start + CHUNK]),
                )
            )
        )
    rows = [
        {
            "programme_id": programme_id,
            "user_id": pid,
            "role": ProgrammeRole.learner,
            "created_at": utcnow(),
        }
        for pid in sorted(set(person_ids) - already)
    ]
    if rows:
        bulk_insert(member, rows)


def _insert_people(rows: list[dict[str, Any]]) -> dict[str, int]:
    now = utcnow()
    zone = current_app.config["DEFAULT_TIMEZONE"]
    values = [
        {
            "email": row["email"],
            "name": row["name"],
            "password_hash": accounts.NO_PASSWORD,
            "role": Role.learner,
            "locale": row["lang"],
            "timezone": row["timezone"] or zone,
            "created_at": now,
            "email_confirmed_at": now,
        }
        for row in rows
    ]
    table = User.__table__
    return dict(bulk_insert(table, values, table.c.email, table.c.id))


def _update_people(rows: list[dict[str, Any]]) -> None:
    """Name, and language and zone where the file gives them: one UPDATE statement run for
    all the rows (executemany)."""
    if not rows:
        return
    values = [{"id": row["user_id"], "name": row["name"]} for row in rows]
    db.session.execute(sa.update(User), values)
    for key, column in (("lang", "locale"), ("timezone", "timezone")):
        given = [{"id": row["user_id"], column: row[key]} for row in rows if row[key]]
        if given:
            db.session.execute(sa.update(User), given)


def _enrol_named(rows: list[dict[str, Any]], ids: dict[str, int]) -> None:
    """The people each workshop column names, enrolled by the queue (one lock per workshop)."""
    by_workshop: dict[int, list[int]] = {}
    for row in rows:
        if row.get("workshop"):
            by_workshop.setdefault(row["workshop"], []).append(ids[row["email"]])
    for workshop_id in sorted(by_workshop):
        people = list(
            db.session.scalars(sa.select(User).where(User.id.in_(by_workshop[workshop_id])))
        )
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None or imports.workshop_refusal(workshop):
            raise Conflict(_l("A workshop of the file no longer takes enrolments."), code="closed")
        learners = [p for p in people if p.role is Role.learner]
        workshops.enrol_members(workshop_id, learners)


def _record_import(staff: User, person_ids: list[int], filename: str) -> None:
    now = utcnow()
    values = [
        {"staff_id": staff.id, "person_id": person_id, "kind": _K.imported, "at": now,
         "workshop_id": None, "detail": filename[-200:]}
        for person_id in person_ids
    ]  # fmt: skip
    bulk_insert(StaffAction.__table__, values)
