"""Schemathesis drives every operation of the served description (GET /api/v1/openapi.json)
through the WSGI app, as each role: valid and invalid bodies, queries and ids."""

from __future__ import annotations

import contextvars
import itertools
import os

import schemathesis
from flask.globals import _cv_app
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import checks as st_checks
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from lms.db import db

ROLES = ("learner", "trainer", "coordinator", None)
#: Examples per operation and mode: the walk stays under a minute or two on SQLite.
EXAMPLES = int(os.environ.get("LMS_FUZZ_EXAMPLES", "4"))


def _walker(strategy, headers, checks, statuses):
    """A Hypothesis test that sends each case with ``headers``, each request in its own
    app context (as tests/conftest.py's client does: Flask would share the test's ``g``)."""

    def call(case):
        _cv_app.set(None)
        return case.call_and_validate(headers=headers, checks=checks)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def walk(case):
        response = contextvars.copy_context().run(call, case)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    return walk


def test_the_api_keeps_its_description(app, make_user, api_token, make_workshop):
    # Whatever any caller sends (valid or not, signed in as any role or not at all): never a
    # 5xx, an answer that conforms to its declared schema, and no request that the
    # description forbids is accepted.
    make_workshop(capacity=1)  # id 1: something real behind the ids
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(with_security_parameters=False)  # tokens are ours
    checks = [
        st_checks.not_a_server_error,
        openapi_checks.response_schema_conformance,
        openapi_checks.negative_data_rejection,
    ]
    failures = []
    statuses: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        # Fresh people for each operation: an earlier one may have revoked a token or closed
        # an account.
        tokens = {role: api_token(make_user(role)) if role else {} for role in ROLES}
        for mode, role in itertools.product(
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), ROLES
        ):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:  # the description's examples first
                strategy = st.one_of(*schema.get_strategies_from_examples(operation), strategy)
            walk = _walker(strategy, tokens[role], checks, statuses)
            try:
                walk()
            except Unsatisfiable:  # nothing the description forbids can be sent (no input)
                continue
            except Exception as failure:  # each operation's failure is listed
                db.session.rollback()
                failures.append(f"{operation.label} ({mode}, {role}): {failure}")
    assert not failures, "\n\n".join(failures)
    assert sum(n for status, n in statuses.items() if status < 300) > 20, statuses  # it walked
