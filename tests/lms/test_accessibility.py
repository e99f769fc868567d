"""Every page, as the people who may see it, checked by axe-core in a real browser.

The pages come from the app's URL map (every ``GET`` route outside ``/api/``, with the ids of
the route walk's world), so a new page is checked without a line here. Each is opened by the
first of ``VISITORS`` the route walk's table lets through, and again by the coordinator, who
sees the most controls; axe-core (Deque's, from npm: tests/js) checks it against WCAG 2.1 A
and AA, the level Spanish public bodies must meet (EN 301 549, RD 1112/2018). Answers that
are not HTML pages (calendars, PDFs, JSON, files) and answers that refuse are left out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.lms import test_every_route as route_walk
from tests.lms.test_every_route import ALLOWED, PEOPLE, ROUTES, Walker, expected, routes
from tests.support import sign_in

world = route_walk.world  # the route walk's world: its people and real objects

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
#: Who opens the pages, in this order: the first let through opens each page; the
#: coordinator opens every page she may see again.
VISITORS = ("visitor", "learner", "trainer", "coordinator", "admin")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Visitors and learners mostly come on a phone, staff at a desk: their pages are checked at
#: those sizes (a table too wide for a phone must scroll by keyboard too).
PHONE, DESK = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
#: Each person's browser asks for another of the four languages (the page's ``lang``, and
#: the longer words of Catalan and Galician in narrow places, are checked too).
LANGUAGES = {"visitor": "es-ES", "learner": "ca-ES", "trainer": "gl-ES"}


def _pages(app, ids) -> dict[str, list[str]]:
    """Who opens which page: person → paths (each page once, plus the coordinator's)."""
    walker = Walker("", None, {}, ids, {})
    mine: dict[str, list[str]] = {p: [] for p in VISITORS}
    for method, rule in routes(app):
        if method != "GET":
            continue
        allowed = dict(zip(PEOPLE, expected(ROUTES[f"GET {rule.endpoint}"]), strict=True))
        first = next((p for p in VISITORS if allowed[p] == ALLOWED), None)
        if first is None:
            continue
        path = walker.path(rule)
        mine[first].append(path)
        if first not in ("coordinator", "admin") and allowed["coordinator"] == ALLOWED:
            mine["coordinator"].append(path)
    return mine


def _check(page, url: str) -> list[str]:
    """axe-core's violations on the page at ``url``, one line each."""
    page.goto(url)
    # the API's reference is drawn by Redoc in the browser: check what a reader gets
    page.wait_for_function(
        "() => !document.querySelector('redoc') || document.querySelector('redoc h1')"
    )
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target)}));
        }""",
        WCAG,
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps(v['nodes'])}" for v in found]


def test_every_page_meets_wcag_21_aa(app, world, live_server, browser):
    # Every page each person may open, with the world's real objects behind it: no WCAG 2.1
    # A or AA violation that axe-core finds (contrast, names of controls, labels, landmarks,
    # the page's language, ...).
    if not AXE.exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"{AXE} is missing: (cd tests/js && npm ci)"
        )
    ids = world.ids() | world.extra | {"my_email": world.bystander.email}
    base = live_server()
    checked, problems = 0, []
    for person, paths in _pages(app, ids).items():
        if not paths:
            continue
        context = browser.new_context(
            locale=LANGUAGES.get(person, "en-GB"),
            timezone_id="Europe/Madrid",
            viewport=PHONE if person in ("visitor", "learner") else DESK,
            bypass_csp=True,  # axe-core is injected into pages whose policy refuses scripts
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        if person != "visitor":
            sign_in(page, base, getattr(world, person))
        page.goto(base + "/")
        lang = page.locator("html").get_attribute("lang")
        assert lang == LANGUAGES.get(person, "en-GB")[:2], (person, lang)
        for path in paths:
            answer = context.request.get(base + path, max_redirects=5)
            kind = answer.headers.get("content-type", "")
            if answer.status >= 400 or not kind.startswith("text/html"):
                continue
            checked += 1
            problems += [f"{path} [{person}] {line}" for line in _check(page, base + path)]
        context.close()
    assert checked > 60, checked  # the world's pages, not a few sign-in forms
    assert problems == [], "\n".join(problems)
