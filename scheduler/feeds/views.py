"""Feed addresses and the subscribe page.

Every feed is answered in two steps: one aggregate query gives its validators (ETag and
Last-Modified), a matching conditional request gets a 304 there and then, and only otherwise
is the calendar read and built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from courses.workshops import permissions as workshop_permissions
from courses.workshops.models import Audience
from lms.db import db, utcnow
from lms.i18n import supported_locale
from lms.security import roles_required

from ..links import absolute
from . import calendars, operations, queries
from .queries import FeedState

bp = Blueprint("feeds", __name__)

#: Raise when the feeds' content changes shape, so that every ETag changes with it.
FORMAT = "1"
#: The subscribe page shows a new address once; it waits here between the POST and the GET.
_NEW_TOKEN = "feeds.new_token"


def feed_urls(token: str) -> dict[str, str]:
    """The personal feed's address, and the same for calendar apps (``webcal://``)."""
    url = absolute(url_for("feeds.personal", token=token))
    return {"feed_url": url, "webcal_url": webcal(url)}


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def _window() -> tuple[datetime, timedelta]:
    past = timedelta(days=current_app.config["FEEDS_PAST_DAYS"])
    return utcnow() - past, past


def _etag(key: str, state: FeedState) -> str:
    config = current_app.config
    seed = f"{FORMAT}|{config['BASE_URL']}|{config['SITE_NAME']}|{key}|{state.count}"
    seed += f"|{state.last_modified.isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def shown_last_modified(changed: datetime, now: datetime) -> datetime:
    """Last-Modified in whole seconds. A change within the current second is shown one second
    earlier, so that a second change in the same second cannot hide behind an
    If-Modified-Since (RFC 9110, 8.8.2.2): the client then downloads once more, that is all."""
    second = changed.replace(microsecond=0)
    if second >= now.replace(microsecond=0):
        return second - timedelta(seconds=1)
    return second


def _not_modified(etag: str, changed: datetime) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and changed.replace(microsecond=0) <= since


def calendar_response(
    state: FeedState,
    key: str,
    build: Callable[[], bytes],
    *,
    private: bool,
    filename: str | None = None,
) -> Response:
    """The calendar ``build`` makes, or a 304 when the client's copy is current."""
    etag = _etag(key, state)
    if _not_modified(etag, state.last_modified):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = shown_last_modified(state.last_modified, utcnow())
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
    if private:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/calendar/<string:token>.ics")
def personal(token: str):
    cutoff, past = _window()
    asked_for_all = request.args.get("all") == "1"  # coordinators only; others get their own
    found = queries.personal_state(token, cutoff, past, asked_for_all)
    if found is None:
        abort(404)
    owner, state = found
    everything = owner.is_coordinator and asked_for_all
    locale = supported_locale(owner.locale)

    def build() -> bytes:
        feed = queries.personal_feed(owner, cutoff, everything)
        return calendars.personal(owner, feed, everything, locale)

    key = f"personal|{owner.user_id}|{int(everything)}|{locale}"
    return calendar_response(state, key, build, private=True)


@bp.get("/calendar/catalog.ics")
def catalog():
    """The public catalogue; one programme's with ``?programme=<slug>``."""
    topic = request.args.get("topic", "").strip() or None
    programme = request.args.get("programme", "").strip()[:80] or None
    locale = supported_locale(request.args.get("lang"))
    cutoff, past = _window()
    state = queries.catalogue_state(topic, cutoff, past, programme)

    def build() -> bytes:
        return calendars.public(queries.public_feed(topic, cutoff, programme), topic, locale)

    key = f"catalog|{topic}|{programme}|{locale}"
    return calendar_response(state, key, build, private=False)


@bp.get("/workshops/<int:workshop_id>.ics")
def workshop_file(workshop_id: int):
    workshop = workshop_permissions.visible(workshop_id)
    restricted = workshop.audience is not Audience.public
    state = FeedState(workshop.calendar_changed_at, 1)
    return calendar_response(
        state,
        f"workshop|{workshop.id}",
        lambda: calendars.one_workshop(workshop),
        private=restricted,
        filename=f"workshop-{workshop.id}.ics",
    )


@bp.get("/calendar/subscribe")
@roles_required()
def subscribe():
    token = session.pop(_NEW_TOKEN, None)
    urls = feed_urls(token) if token else None
    catalogue_url = absolute(url_for("feeds.catalog", lang=str(get_locale())))
    return render_template(
        "scheduler/feeds/subscribe.html",
        urls=urls,
        everything_url=urls["webcal_url"] + "?all=1"
        if urls and current_user.is_coordinator
        else None,
        has_token=queries.token_of(current_user.id) is not None,
        catalogue_webcal=webcal(catalogue_url),
    )


@bp.post("/calendar/subscribe")
@roles_required()
def new_address():
    """Make a new feed address (the old one stops working) and show it once."""
    token = operations.replace_token(current_user)
    db.session.commit()
    session[_NEW_TOKEN] = token
    flash(_("Here is your new calendar address. Any earlier one has stopped working."), "success")
    return redirect(url_for("feeds.subscribe"), 303)
