"""Helpers for the people tests: files to import, and reading what an import wrote."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import User
from lms.db import db

HEADER = "username,email,firstname,lastname,lang,timezone,institution"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def xlsx_file(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "people.csv"):
    """Post a file to the import page; the response (not followed). The body is encoded
    here, in memory (the test client would spool a big file to a temporary file, and leave
    it open when the app refuses the request before reading it)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name)})
    return client.post(
        "/people/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def preview_path(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def user_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(User.id))) or 0


def users_named(*emails: str) -> dict[str, User]:
    db.session.rollback()
    return {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
