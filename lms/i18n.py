"""Languages and times: the reader's language, and times shown in their zone and the event's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

babel = Babel()

LANGUAGE_NAMES = {"en": "English", "es": "Español", "ca": "Català", "gl": "Galego"}


def supported_locale(value: str | None) -> str:
    """``value`` when the site speaks it, else the site's default language."""
    config = current_app.config
    return value if value and value in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def visitor_locale() -> str:
    """The language chosen with the switcher, else the browser's best match, else ``""``.
    A new account takes it, so that its mail and calendars speak the visitor's language."""
    languages = current_app.config["LANGUAGES"]
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or ""


def select_locale() -> str:
    """The signed-in person's choice, else the switcher's, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]  # outside a request, callers use flask_babel.force_locale
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return visitor_locale() or languages[0]


def reader_zone() -> ZoneInfo:
    if current_user and current_user.is_authenticated:
        return ZoneInfo(current_user.timezone)
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` in ``zone``; in UTC when the zone's clock would fall outside the years a
    datetime holds (a row dated 9999-12-31 late in the evening, east of Greenwich)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(UTC)


def when(dt: datetime, zone: str | ZoneInfo | None = None, fmt: str = "full_short") -> str:
    """A moment for people, 'martes, 7 de abril de 2020, 12:00', in ``zone`` (default: the
    reader's); ``fmt="time"`` gives the time alone, ``fmt="date"`` the date alone."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else (zone or reader_zone())
    locale = get_locale() or "en"
    local = in_zone(dt, tz)
    if fmt == "time":
        return format_time(local, "short", locale=locale)
    date = format_date(local, "full", locale=locale)
    if fmt == "date":
        return date
    return f"{date}, {format_time(local, 'short', locale=locale)}"


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["when"] = when
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _languages():
        return {
            "language_names": LANGUAGE_NAMES,
            "current_locale": str(get_locale()),
            "reader_zone": reader_zone,
        }
