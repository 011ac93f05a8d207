from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.models import AuditLog
from workcalendar import official
from workcalendar.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_calendar(db):
    """The session may have seeded already; these tests start from nothing."""
    CalendarDay.objects.all().delete()


def _seed(*years):
    out, err = StringIO(), StringIO()
    args = ["--years", *map(str, years)] if years else []
    call_command("seed_calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _table():
    return list(
        CalendarDay.objects.order_by("date").values_list(
            "date", "is_workday", "kind", "name", "source"
        )
    )


def test_seed_is_idempotent():
    audits = AuditLog.objects.filter(action="calendar.seed").count()
    out, err = _seed(2025, 2026)
    assert "2025 年:33 个例外日" in out and "2026" in out and not err
    first = _table()
    assert len(first) == 33 + 39
    assert AuditLog.objects.filter(action="calendar.seed").count() == audits + 2

    _seed(2025, 2026)
    assert _table() == first
    assert AuditLog.objects.filter(action="calendar.seed").count() == audits + 2  # no new row


def test_unknown_year_warns_and_seeds_the_rest():
    out, err = _seed(2026, 2099)
    assert "2099" in err and "未写入" in err and "nothing seeded" in err
    assert not CalendarDay.objects.filter(date__year=2099).exists()
    assert CalendarDay.objects.filter(date__year=2026).count() == 39


def test_default_years_are_this_year_and_next():
    this_year = timezone.localdate().year
    out, err = _seed()
    supported = official.supported_years()
    for year in (this_year, this_year + 1):
        seeded = CalendarDay.objects.filter(date__year=year).exists()
        assert seeded == (year in supported)
        assert (f"{year} 年的节假日" in err) == (year not in supported)
