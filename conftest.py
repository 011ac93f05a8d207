"""Test database: migrated once, then two real counties of Jilin (南关区 and 宽城区,
from the same sources as the demo) are loaded once per session. Every test runs in a
transaction on top of that data and rolls back."""

import pytest
from django.core.management import call_command

TEST_COUNTIES = ["220102", "220103"]

pytest_plugins = ["tests.fixtures"]


def load_test_counties():
    from grids.models import Area

    if not Area.objects.filter(level=6, code__startswith="220103").exists():
        args = ["load_demo_province", "--no-users"]
        for c in TEST_COUNTIES:
            args += ["--county", c]
        call_command(*args, verbosity=0, stdout=open("/dev/null", "w"))


def seed_test_calendar():
    """The official holidays of the years the tests reason about."""
    from workcalendar.official import year_supported
    from workcalendar.services import calendar_seed

    calendar_seed(years=[y for y in (2025, 2026) if year_supported(y)])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_test_counties()
        seed_test_calendar()
        from events.categories import categories_seed

        categories_seed()  # a flush by an earlier run's live-server test removes them


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in the default language, whatever an earlier request activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
