"""Browser tests: fixtures live in tests/browser_support.py (loaded for the whole suite)."""
import pytest

pytestmark = pytest.mark.browser
