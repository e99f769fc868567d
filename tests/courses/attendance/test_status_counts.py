"""The attendance counts group only the enrolments of the workshops asked about."""

from __future__ import annotations

from courses.attendance.queries import with_counts
from courses.workshops.models import Workshop


def test_counts_are_grouped_for_the_chosen_workshops_only(app):
    # The per-workshop grouping is restricted by the same conditions as the workshops, so a
    # trainer's page does not group the whole enrolment table before joining it.
    query, _names = with_counts(Workshop.trainer_id == 7)
    sql = str(query.compile(compile_kwargs={"literal_binds": True}))
    grouped = sql.split("GROUP BY")[0]
    assert "enrolment.workshop_id IN (SELECT workshop.id" in grouped
    assert "workshop.trainer_id = 7" in grouped
