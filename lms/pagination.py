"""Long lists, one page at a time: the same rule for a web page and the API.

A list's query keeps a stable order (ending in a unique column); :func:`requested` reads
``limit`` (default 50, at most 200) and ``page`` (from 1) from the request, the query takes
one row more than the page holds (:meth:`Window.apply`), and :func:`cut` tells whether
there is a next page. The API answers the page as a JSON list with the next page's address
in a ``Link: <…>; rel="next"`` header (:func:`link_header`); pages link to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import lazy_gettext as _l

from lms.errors import DomainError

DEFAULT_LIMIT = 50
MOST_LIMIT = 200
#: Further than this nobody pages by hand; a program filters by date instead.
MOST_PAGES = 10_000

T = TypeVar("T")
S = TypeVar("S", bound=sa.Select[Any])


@dataclass(frozen=True)
class Window:
    """Which page of a list, and how long pages are."""

    number: int = 1
    size: int = DEFAULT_LIMIT

    def apply(self, query: S) -> S:
        """The query limited to this page, and one row more to tell if another follows."""
        return query.limit(self.size + 1).offset((self.number - 1) * self.size)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    window: Window
    has_next: bool

    def url(self, number: int) -> str:
        """This list's address at page ``number``, with the request's other arguments."""
        values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
        return url_for(str(request.endpoint), **(values | {"page": number}))

    @property
    def next_url(self) -> str | None:
        return self.url(self.window.number + 1) if self.has_next else None

    @property
    def previous_url(self) -> str | None:
        return self.url(self.window.number - 1) if self.window.number > 1 else None


def _number(name: str, default: int, most: int) -> int:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= most:
        raise DomainError(
            _l("The parameter “%(name)s” must be a whole number from 1 to %(most)d.",
               name=name, most=most),
            code=f"bad_{name}",
            status=400,
        )  # fmt: skip
    return int(value)


def requested(default: int = DEFAULT_LIMIT) -> Window:
    """The page the request asks for (``?limit=&page=``); a clear 400 when they are not
    whole numbers in range."""
    return Window(_number("page", 1, MOST_PAGES), _number("limit", default, MOST_LIMIT))


def cut(rows: list[T], window: Window) -> Page[T]:
    """The page of ``rows`` read with ``window.apply``: at most ``size`` items."""
    return Page(rows[: window.size], window, len(rows) > window.size)


def link_header(page: Page[Any]) -> dict[str, str]:
    """The API's ``Link`` header to the next page, when there is one."""
    url = page.next_url
    return {"Link": f'<{url}>; rel="next"'} if url else {}
