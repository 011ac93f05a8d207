"""Test database: migrated once, then two real counties of Jilin (南关区 and 宽城区,
from the same sources as the demo) are loaded once per session. Every test runs in a
transaction on top of that data and rolls back.

Database roles as in production (governance/dbroles.py): the owner role creates and
migrates the test database, then every test runs as the application role; the flush
after a transactional test runs as the owner again (governance's `flush` command)."""

import os

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
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Create and migrate the test database as the owner role; returns the application
    role's credentials (None when one role does everything)."""
    from governance.dbroles import connect_as_owner

    return connect_as_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_modify_db_settings):
    from governance.dbroles import connect_as, connect_as_owner

    connect_as("default", django_db_modify_db_settings)  # the tests: the application role
    with django_db_blocker.unblock():
        load_test_counties()
        seed_test_calendar()
        from events.categories import categories_seed

        categories_seed()  # a flush by an earlier run's live-server test removes them
    yield
    connect_as_owner()  # who may drop the test database (when it is not kept)


def pytest_sessionfinish(session):
    """The streaming replica the read-replica tests share across the workers of a run
    (tests/test_read_replica.py) is removed by the run's controller, after them all."""
    if not hasattr(session.config, "workerinput"):
        from tests.pg_replica import remove_run_replica

        remove_run_replica(os.getpid())


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in the default language, whatever an earlier request activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
