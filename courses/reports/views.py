"""The coordinators' report: figures per week, charts, the workshops held, a CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from courses.attendance import exports
from courses.attendance import queries as attendance_queries
from lms.db import utcnow
from lms.enums import choices
from lms.i18n import reader_zone
from lms.programmes import permissions as programmes
from lms.security import roles_required

from . import charts, queries
from .forms import ReportFilters

bp = Blueprint("reports", __name__)

#: Without dates, the report covers up to twelve weeks, to the end of the current one,
#: beginning with the week of the first workshop in them.
DEFAULT_WEEKS = 12


def _filters() -> tuple[ReportFilters, queries.Filters]:
    form = ReportFilters(request.args)
    form.topic.choices = choices(((t, t) for t in queries.topics()), blank=_("All topics"))
    form.trainer.choices = choices(
        ((str(u.id), u.name) for u in queries.trainers()), blank=_("All trainers")
    )
    form.entity.choices = choices(
        ((str(entity_id), name) for entity_id, name in queries.entities()),
        blank=_("All entities"),
    )
    form.validate()
    zone = reader_zone()
    today = utcnow().astimezone(zone).date()
    last = form.date_to.data or today + timedelta(days=6 - today.weekday())
    first = form.date_from.data or _default_first_day(last, zone)
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(weeks=queries.MAX_WEEKS - 1))
    form.date_from.data, form.date_to.data = first, last
    trainer, entity = form.trainer.data or "", form.entity.data or ""
    filters = queries.Filters(
        first,
        last,
        zone,
        topic=form.topic.data or None,
        trainer_id=_id(trainer),
        entity_id=_id(entity),
        programmes=programmes.covered(current_user),
    )
    return form, filters


def _id(value: str) -> int | None:
    """A row id from a filter, or None for anything else (an id too big for the database)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _default_first_day(last: date, zone) -> date:
    """Twelve weeks back, or later: from the week of the first workshop in them."""
    first = last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    since = queries.first_start_since(datetime.combine(first, time(), zone))
    if since is not None:
        first = max(first, since.astimezone(zone).date())
    return first


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _charts(report: queries.Report) -> list[charts.Chart]:
    locale = str(get_locale() or "en")
    labels = [format_date(w.monday, "d MMM", locale=locale) for w in report.weeks]
    weeks = [w.figures for w in report.weeks]
    seats = charts.bar_chart(
        "chart-seats",
        _("Seats offered and taken, per week"),
        _(
            "Bars per week: seats offered, seats taken, and people left on a waiting list. "
            "The table of weekly figures gives the same numbers."
        ),
        labels,
        [
            charts.Series("offered", _("Seats offered"), [f.seats_offered for f in weeks]),
            charts.Series("taken", _("Seats taken"), [f.seats_taken for f in weeks]),
            charts.Series("waiting", _("Never got a seat"), [f.waiting for f in weeks]),
        ],
    )
    rates = charts.bar_chart(
        "chart-rates",
        _("Attendance and no-shows, per week"),
        _(
            "Bars per week: the share of seats taken whose holder came (present or late), and "
            "the share marked absent. The table of weekly figures gives the same numbers."
        ),
        labels,
        [
            charts.Series("attended", _("Attendance rate"), [f.attendance_rate for f in weeks]),
            charts.Series("absent", _("No-show rate"), [f.no_show_rate for f in weeks]),
        ],
        maximum=1,
        fmt=_percent,
    )
    return [seats, rates]


@bp.get("/reports")
@roles_required("coordinator")
def report():
    form, filters = _filters()
    result = queries.report(filters)
    return render_template(
        "courses/reports/report.html",
        form=form,
        report=result,
        charts=_charts(result),
        percent=_percent,
        csv_args=request.args.to_dict(),
    )


def _attendance_export(fmt: str):
    _form, filters = _filters()
    # The same workshops as the page: held, public, within the filters.
    rows = attendance_queries.export_rows(
        queries.held_workshop_ids(filters), entity_id=filters.entity_id
    )
    respond = exports.xlsx_response if fmt == "xlsx" else exports.csv_response
    first, last = filters.first_day.isoformat(), filters.last_day.isoformat()
    return respond(rows, f"attendance-{first}-{last}.{fmt}")


@bp.get("/reports/attendance.csv")
@roles_required("coordinator")
def attendance_csv():
    return _attendance_export("csv")


@bp.get("/reports/attendance.xlsx")
@roles_required("coordinator")
def attendance_xlsx():
    return _attendance_export("xlsx")
