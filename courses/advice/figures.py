"""Figures of the advice desk for policy: counts only, never a person. Requests and
consultations per week by topic, requests by the sector and the need level of the
organisation asking, the time from a request to its first consultation, and referrals
between topics."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from lms.db import db
from lms.programmes.permissions import scope_for

from ..entities.models import Entity
from .models import Case, Consultation, ConsultationState, EntityNeed, NeedLevel, Topic


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week ``moment`` falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


@dataclass
class Figures:
    #: {(week, topic_id): n}
    requests: dict[tuple[date, int], int] = field(default_factory=dict)
    consultations: dict[tuple[date, int], int] = field(default_factory=dict)
    #: Hours from each request to its first consultation (held or booked).
    hours_to_first: list[float] = field(default_factory=list)
    #: {(from_topic_id, to_topic_id): n}
    referrals: dict[tuple[int, int], int] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    #: Requests by the asking organisation's sector ("" when none is known) and need level
    #: (None when it has none, or the request names no known organisation).
    by_sector: dict[str, int] = field(default_factory=dict)
    by_need: dict[NeedLevel | None, int] = field(default_factory=dict)

    @property
    def weeks(self) -> list[date]:
        return sorted({w for w, _ in self.requests} | {w for w, _ in self.consultations})

    @property
    def median_hours_to_first(self) -> float | None:
        return statistics.median(self.hours_to_first) if self.hours_to_first else None


def figures(starts_from: datetime, starts_to: datetime) -> Figures:
    """The desk's figures for requests made from ``starts_from`` until ``starts_to``, in the
    programmes whoever asks coordinates (``lms.programmes.permissions.scope_for``)."""
    mine = scope_for(Topic.programme_id)
    theirs = Case.topic_id.in_(sa.select(Topic.id).where(mine))
    result = Figures(topics={t.id: t for t in db.session.scalars(sa.select(Topic).where(mine))})
    cases = db.session.execute(
        sa.select(Case.id, Case.topic_id, Case.created_at, Case.referred_from_id).where(
            Case.created_at >= starts_from, Case.created_at < starts_to, theirs
        )
    ).all()
    topic_of = {case_id: topic_id for case_id, topic_id, _, _ in cases}
    for _case_id, topic_id, created_at, _ in cases:
        key = (week_of(created_at), topic_id)
        result.requests[key] = result.requests.get(key, 0) + 1
    live = (ConsultationState.booked, ConsultationState.held)
    rows = db.session.execute(
        sa.select(Consultation.case_id, Consultation.starts_at, Case.topic_id, Case.created_at)
        .join(Case, Case.id == Consultation.case_id)
        .where(
            Consultation.state.in_(live),
            Consultation.starts_at >= starts_from,
            Consultation.starts_at < starts_to,
            theirs,
        )
    ).all()
    for _case_id, starts_at, topic_id, _created in rows:
        key = (week_of(starts_at), topic_id)
        result.consultations[key] = result.consultations.get(key, 0) + 1
    first = db.session.execute(
        sa.select(Case.id, Case.created_at, sa.func.min(Consultation.starts_at))
        .join(Consultation, Consultation.case_id == Case.id)
        .where(
            Consultation.state.in_(live),
            Case.created_at >= starts_from,
            Case.created_at < starts_to,
            theirs,
        )
        .group_by(Case.id, Case.created_at)
    ).all()
    for _case_id, created_at, first_start in first:
        first_start = first_start if first_start.tzinfo else first_start.replace(tzinfo=UTC)
        result.hours_to_first.append(round((first_start - created_at).total_seconds() / 3600, 1))
    sectors = db.session.execute(
        sa.select(Entity.sector, EntityNeed.level, sa.func.count(Case.id))
        .select_from(Case)
        .outerjoin(Entity, Entity.id == Case.entity_id)
        .outerjoin(EntityNeed, EntityNeed.entity_id == Case.entity_id)
        .where(Case.created_at >= starts_from, Case.created_at < starts_to, theirs)
        .group_by(Entity.sector, EntityNeed.level)
    ).all()
    for sector, level, n in sectors:
        result.by_sector[sector or ""] = result.by_sector.get(sector or "", 0) + n
        result.by_need[level] = result.by_need.get(level, 0) + n
    parents = db.session.execute(
        sa.select(Case.id, Case.topic_id).where(
            Case.id.in_([r for _, _, _, r in cases if r is not None])
        )
    ).all()
    parent_topic = dict(parents)
    for case_id, _topic, _created, referred_from in cases:
        if referred_from is not None and referred_from in parent_topic:
            pair = (parent_topic[referred_from], topic_of[case_id])
            result.referrals[pair] = result.referrals.get(pair, 0) + 1
    return result


def _need_order(level: NeedLevel | None) -> int:
    return list(NeedLevel).index(level) if level else len(NeedLevel)


def need_lines(found: Figures) -> list[tuple[NeedLevel | None, int]]:
    """Requests by need level, in the scale's order, those without one last."""
    return sorted(found.by_need.items(), key=lambda item: _need_order(item[0]))


def csv_text(found: Figures, locale: str) -> str:
    """One line per week and topic: ``week, topic, requests, consultations``; then the
    referrals, ``referral, from, to, n``; then the median hours to a first consultation."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["week", "topic", "requests", "consultations"])
    keys = sorted(set(found.requests) | set(found.consultations))
    for week, topic_id in keys:
        name = found.topics[topic_id].name_in(locale) if topic_id in found.topics else topic_id
        writer.writerow(
            [
                week.isoformat(),
                name,
                found.requests.get((week, topic_id), 0),
                found.consultations.get((week, topic_id), 0),
            ]
        )
    writer.writerow([])
    writer.writerow(["referral_from", "referral_to", "referrals"])
    for (src, dst), n in sorted(found.referrals.items()):
        writer.writerow([found.topics[src].name_in(locale), found.topics[dst].name_in(locale), n])
    writer.writerow([])
    writer.writerow(["sector", "requests"])
    for sector, n in sorted(found.by_sector.items()):
        writer.writerow([sector, n])
    writer.writerow([])
    writer.writerow(["need_level", "requests"])
    for level, n in need_lines(found):
        writer.writerow([level.value if level else "", n])
    writer.writerow([])
    writer.writerow(["median_hours_to_first_consultation", found.median_hours_to_first or ""])
    return out.getvalue()
