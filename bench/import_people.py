"""Importing people: how many rows a second a file of 10,000 people is checked and written.

    python bench/import_people.py                      # SQLite and PostgreSQL, 10,000 rows
    python bench/import_people.py --db sqlite --rows 20000 --xlsx

For each database it makes a fresh one (a SQLite file in a temporary folder, or a new
PostgreSQL database dropped afterwards), migrates it, and adds a coordinator, a workshop and
``--existing`` people already holding accounts. It then builds a file of ``--rows`` people with
Moodle's upload-users columns (a CSV, or with ``--xlsx`` a workbook), one in ten of them
already known (updated), the rest new, and runs in-process, as the import pages do:

1. **check**: ``stage_import`` (read the file, check every row, keep the rows for the
   preview) and its commit;
2. **write**: ``confirm_import`` (bulk inserts of accounts, password links, welcome
   messages in the outbox and records, one UPDATE for the known) and its commit.

It prints the time of each and rows per second, and checks what was written.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from enrol_storm import database, machine  # noqa: E402

HEADER = ["username", "email", "firstname", "lastname", "lang", "timezone", "institution"]
LANGS = ["gl", "es", "ca", "en", ""]


def make_file(rows: int, known: int, xlsx: bool) -> tuple[str, bytes]:
    table = [HEADER]
    for i in range(rows):
        email = f"known{i}@bench.test" if i < known else f"person{i}@bench.test"
        table.append([f"user{i}", email, f"Persoa {i}", "Castro Vidal", LANGS[i % 5],
                      "Europe/Madrid" if i % 3 else "", "Cooperativa Exemplo"])  # fmt: skip
    if xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in table:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return "people.xlsx", out.getvalue()
    text = io.StringIO()
    csv.writer(text).writerows(table)
    return "people.csv", text.getvalue().encode()


def bench(url: str, instance: Path, rows: int, xlsx: bool) -> dict[str, float]:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from courses.people import operations
    from lms import create_app
    from lms.accounts.models import Role, User
    from lms.accounts.operations import create_user
    from lms.db import db
    from lms.notifications.models import OutboxMessage
    from lms.setup import MIGRATIONS

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "AUTO_SETUP": False, "SECRET_KEY": "bench",
         "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "BASE_URL": "https://aula.example"},
        instance_path=str(instance),
    )  # fmt: skip
    known = rows // 10
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="heads")
        staff = create_user("coord@bench.test", "Coord", "bench-password", Role.coordinator)
        db.session.commit()
        db.session.execute(
            sa.insert(User),
            [{"email": f"known{i}@bench.test", "name": f"Known {i}", "password_hash": "!",
              "role": Role.learner, "locale": "", "timezone": "UTC"} for i in range(known)],
        )  # fmt: skip
        db.session.commit()
        name, data = make_file(rows, known, xlsx)

        t0 = time.perf_counter()
        staged = operations.stage_import(staff, name, data)
        db.session.commit()
        t1 = time.perf_counter()
        done = operations.confirm_import(staff, staged.id)
        db.session.commit()
        t2 = time.perf_counter()

        users = db.session.scalar(sa.select(sa.func.count(User.id)))
        mails = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "people.welcome")
        )
        assert done == {"new": rows - known, "updated": known}, done
        assert users == rows + 1 and mails == rows - known, (users, mails)
        db.session.remove()
        db.engine.dispose()
    return {"bytes": len(data), "check": t1 - t0, "write": t2 - t1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--xlsx", action="store_true", help="a workbook instead of a CSV")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with (
            tempfile.TemporaryDirectory() as folder,
            database(kind, args.pg_url, Path(folder)) as url,
        ):
            f = bench(url, Path(folder) / "instance", args.rows, args.xlsx)
        total = f["check"] + f["write"]
        print(
            f"{kind:10} {args.rows} rows ({'xlsx' if args.xlsx else 'csv'}, "
            f"{f['bytes'] / 1e6:.1f} MB): check {f['check']:.2f} s "
            f"({args.rows / f['check']:,.0f} rows/s), write {f['write']:.2f} s "
            f"({args.rows / f['write']:,.0f} rows/s), total {total:.2f} s "
            f"({args.rows / total:,.0f} rows/s)"
        )


if __name__ == "__main__":
    main()
