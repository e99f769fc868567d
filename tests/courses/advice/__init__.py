"""The advice desk's tests."""

import pytest

# Its helper module gets pytest's assertion messages too (conftest lists the others).
pytest.register_assert_rewrite("tests.advice_fixtures")
