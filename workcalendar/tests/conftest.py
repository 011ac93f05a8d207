import pytest

from workcalendar.workdays import calendar_changed


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """Tests write the calendar inside a transaction that rolls back, which the version
    token in Redis cannot see: start and end each test with a new token."""
    calendar_changed()
    yield
    calendar_changed()


@pytest.fixture
def seeded(db):
    """2025 and 2026 from the package, inside the test's transaction."""
    from workcalendar.services import calendar_seed

    calendar_seed(years=[2025, 2026])
    calendar_changed()  # the seed's own bump waits for a commit that never comes
