"""The working-day calendar page (/manage/calendar/): a province administrator sets
2027's holidays and make-up days by hand, through the service, audited."""

import datetime

import pytest

from governance.models import AuditLog
from governance.roles import Role
from workcalendar.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_set_holidays_and_makeup_days_of_2027_by_hand(client, make_user):
    admin = make_user(Role.ADMIN, "220000000000", "cal_admin")
    client.force_login(admin)
    monday = datetime.date(2027, 2, 8)
    r = client.post(
        "/manage/calendar/",
        {"set": "1", "year": "2027", "date": "2027-02-08", "kind": "holiday", "name": "春节"},
    )
    assert r.status_code == 302
    assert CalendarDay.objects.get(date=monday).is_workday is False
    r = client.post(
        "/manage/calendar/",
        {"set": "1", "date": "2027-02-06", "kind": "makeup_workday", "name": "春节调休"},
    )
    assert r.status_code == 302
    assert CalendarDay.objects.get(date=datetime.date(2027, 2, 6)).is_workday is True
    html = client.get("/manage/calendar/", {"year": 2027}).content.decode()
    assert "春节" in html and "2027-02-08" in html
    assert AuditLog.objects.filter(action="calendar.set", actor=admin).count() == 2
    # A make-up day on a weekday is a form error.
    bad = client.post(
        "/manage/calendar/", {"set": "1", "date": "2027-02-09", "kind": "makeup_workday"}
    )
    assert bad.status_code == 400 and "周六或周日" in bad.content.decode()
    # Back to ordinary.
    client.post("/manage/calendar/", {"set": "1", "date": "2027-02-08", "kind": "ordinary"})
    assert not CalendarDay.objects.filter(date=monday).exists()  # the weekly rule again


def test_a_county_administrator_cannot_edit_the_national_calendar(client, make_user):
    client.force_login(make_user(Role.ADMIN, "220102000000", "cal_county"))
    r = client.post(
        "/manage/calendar/",
        {"set": "1", "date": "2027-03-01", "kind": "holiday", "name": "某节"},
    )
    assert r.status_code == 403
    assert not CalendarDay.objects.filter(date=datetime.date(2027, 3, 1)).exists()
