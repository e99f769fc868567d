"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa

from lms.db import db
from tests.factories import PASSWORD

T = TypeVar("T")


def fresh(obj: T) -> T:
    """``obj`` as the database holds it now.

    Ends the test's own transaction first: on SQLite an open read transaction keeps seeing
    the snapshot it began with, whatever the requests have committed since.
    """
    db.session.rollback()
    return db.session.get(type(obj), obj.id, populate_existing=True)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def sign_in(page, base: str, user_or_email: Any, password: str = PASSWORD, *, next=None) -> None:
    """Sign the browser ``page`` in at ``base`` through the real form, in whatever language
    the page speaks, and wait until it is signed in (the header offers to sign out and, given
    a user, links to their profile by name). ``next`` is where the form sends them after."""
    from playwright.sync_api import expect

    email = getattr(user_or_email, "email", user_or_email)
    page.goto(f"{base}/sign-in" + (f"?next={next}" if next else ""))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator('form[action="/sign-out"]')).to_have_count(1)
    if hasattr(user_or_email, "name"):
        expect(page.get_by_role("link", name=user_or_email.name)).to_be_visible()


def follow_nav(page, name: str, *, exact: bool = False) -> None:
    """Click the header's link ``name``, opening the "Manage" menu first when it is there."""
    link = page.locator("header").get_by_role("link", name=name, exact=exact)
    if not link.count():
        page.locator("details.nav-menu > summary").click()
    link.click()


def form_values(page: str, action_class: str) -> dict[str, str]:
    """What a browser would send for the form of class ``action_class`` on ``page``, left as
    it is: each input's value (checked boxes only), each select's chosen option, each
    textarea's text."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside, self.values = False, {}
            self.select: str | None = None
            self.first: str | None = None
            self.textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.inside = action_class in a.get("class", "").split()
            elif not self.inside:
                return
            elif tag == "input" and a.get("type") not in ("submit", "button"):
                if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                    self.values[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select, self.first = a["name"], None
            elif tag == "option" and self.select:
                self.first = self.first if self.first is not None else a.get("value", "")
                if "selected" in a:
                    self.values[self.select] = a.get("value", "")
            elif tag == "textarea":
                self.textarea = a["name"]
                self.values[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            elif tag == "select" and self.select:
                self.values.setdefault(self.select, self.first or "")
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.values[self.textarea] += data.removeprefix("\n")

    reader = Reader()
    reader.feed(page)
    return reader.values
