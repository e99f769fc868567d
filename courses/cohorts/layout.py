"""Laying out an itinerary's steps on the calendar (pure functions, no database).

Week 1 is the ISO week (Monday to Sunday) that holds ``starts_on``. Each occurrence is the
local date and wall-clock time combined in the cohort's IANA zone, and only then turned into
UTC, so a 10:00 meeting stays at 10:00 across a daylight-saving change (its UTC time moves).
A local time that does not exist (inside the spring gap) is read with the offset before the
change, as ``zoneinfo`` does with ``fold=0``; an ambiguous one (autumn) is its first instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Occurrence:
    occurrence: int  #: 1-based, within its step
    week: int
    starts_at: datetime  #: UTC
    ends_at: datetime  #: UTC


def week_monday(starts_on: date) -> date:
    return starts_on - timedelta(days=starts_on.isoweekday() - 1)


def occurrences(
    starts_on: date,
    zone: ZoneInfo,
    *,
    week: int,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    repeat_every_weeks: int = 1,
    repeat_count: int = 1,
) -> list[Occurrence]:
    """Every meeting of one step, in order."""
    monday = week_monday(starts_on)
    result = []
    for n in range(repeat_count):
        w = week + n * repeat_every_weeks
        day = monday + timedelta(weeks=w - 1, days=weekday - 1)
        local = datetime.combine(day, start_time, tzinfo=zone)
        starts = local.astimezone(UTC)
        result.append(Occurrence(n + 1, w, starts, starts + timedelta(minutes=duration_minutes)))
    return result
