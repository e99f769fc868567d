"""Every mail subject, in every language, starts with its first word: no leading space."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from scheduler.notices import cohorts, messages

SUBJECTS = [
    *(("workshop", kind, text) for kind, text in messages.SUBJECTS.items()),
    *(("cohort", kind, text) for kind, text in cohorts.SUBJECTS.items()),
]
VALUES = {"title": "Footer", "week": 3, "entity": "Coop Una", "cohort": "Cohort tardor"}


@pytest.mark.parametrize("locale", ["en", "es", "ca", "gl"])
@pytest.mark.parametrize(("family", "kind", "text"), SUBJECTS, ids=lambda v: str(v)[:20])
def test_subjects_start_with_a_word(family, kind, text, locale, app):
    # Issue 19: "subjects of change mails start with a space"; none may, in any language.
    with app.test_request_context(), force_locale(locale):
        subject = str(text) % VALUES
    assert subject == subject.strip() and subject[0].isalpha(), repr(subject)
