"""The calendar seeded from chinese-calendar into the real database, against the State
Council notices: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号,
2024-11-12) and 关于2026年部分节假日安排的通知 (2025-11-04)."""

import datetime

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError

from governance.models import AuditLog
from governance.roles import Role
from workcalendar.models import CalendarDay, DayKind
from workcalendar.services import CalendarYearUnknown, calendar_day_set, calendar_seed
from workcalendar.workdays import CHINA, WorkCalendar, get_calendar

pytestmark = pytest.mark.django_db

D = datetime.date
PROVINCE = "220000000000"
NANGUAN = "220102000000"


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=CHINA)


def test_seed_matches_the_notices(seeded):
    national_day = CalendarDay.objects.filter(date__range=(D(2025, 9, 27), D(2025, 10, 12)))
    assert {d.date: d.kind for d in national_day} == {
        **{D(2025, 10, d): DayKind.HOLIDAY for d in range(1, 9)},
        D(2025, 9, 28): DayKind.MAKEUP_WORKDAY,
        D(2025, 10, 11): DayKind.MAKEUP_WORKDAY,
    }
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=D(2025, 10, 6)).name == "中秋节"
    # 春节 2026: 2月15日(周日)至23日(周一)放假调休,共9天;2月14日(周六)、2月28日(周六)上班.
    spring = CalendarDay.objects.filter(date__range=(D(2026, 2, 1), D(2026, 3, 1)))
    assert {d.date: (d.is_workday, d.name) for d in spring} == {
        **{D(2026, 2, d): (False, "春节") for d in range(15, 24)},
        D(2026, 2, 14): (True, "春节"),
        D(2026, 2, 28): (True, "春节"),
    }


def test_every_day_of_2025_and_2026_agrees_with_the_package(seeded):
    cal = get_calendar()
    day = D(2025, 1, 1)
    while day.year < 2027:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)
    assert cal.workdays_between(D(2024, 12, 31), D(2025, 12, 31)) == len(
        chinese_calendar.get_workdays(D(2025, 1, 1), D(2025, 12, 31))
    )


def test_deadlines_across_national_day_2025(seeded):
    cal = get_calendar()
    received = at(2025, 9, 26, 16)  # Friday afternoon
    due = [cal.add_workdays(received, n).date() for n in range(1, 7)]
    # Sunday 28 September works; 1–8 October rest; Saturday 11 October works.
    assert due == [
        D(2025, 9, 28),
        D(2025, 9, 29),
        D(2025, 9, 30),
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
    ]
    assert cal.add_workdays(received, 1) == datetime.datetime.combine(
        D(2025, 9, 28), datetime.time.max, tzinfo=CHINA
    )
    assert cal.workdays_between(D(2025, 9, 26), D(2025, 10, 11)) == 6
    assert cal.add_work_hours(at(2025, 9, 30, 16), 4) == at(2025, 10, 9, 11)


def test_deadlines_across_spring_festival_2026(seeded):
    cal = get_calendar()
    received = at(2026, 2, 13, 15)  # Friday before the make-up Saturday
    assert cal.add_workdays(received, 1).date() == D(2026, 2, 14)
    assert cal.add_workdays(received, 2).date() == D(2026, 2, 24)
    # 12345 "5个工作日内办结": 24, 25, 26, 27 and the make-up Saturday 28 February.
    assert cal.add_workdays(at(2026, 2, 14, 10), 5).date() == D(2026, 2, 28)
    assert cal.add_workdays(at(2026, 2, 14, 10), 6).date() == D(2026, 3, 2)
    assert cal.workdays_between(D(2026, 2, 13), D(2026, 3, 2)) == 7
    # 16:30 on the make-up Saturday + 8 office hours: 1 h that day, 7 h on 24 February
    # (08:30–12:00 and 13:30–17:00).
    assert cal.add_work_hours(at(2026, 2, 14, 16, 30), 8) == at(2026, 2, 24, 17)
    assert (
        cal.work_seconds_between(at(2026, 2, 13, 17), at(2026, 2, 24, 9))
        == (0.5 + 7.5 + 0.5) * 3600
    )


def test_manual_day_overrides_and_invalidates_the_cache(
    seeded, make_user, django_capture_on_commit_callbacks
):
    admin = make_user(Role.ADMIN, PROVINCE, "calendar_admin")
    before = get_calendar()
    assert get_calendar() is before  # served from the process copy
    assert before.add_workdays(at(2025, 9, 30, 10), 1).date() == D(2025, 10, 9)

    with django_capture_on_commit_callbacks(execute=True):
        day = calendar_day_set(actor=admin, date=D(2025, 10, 9), is_workday=False, name="暴雪停工")
    assert day.kind == DayKind.HOLIDAY and day.source == "manual:calendar_admin"
    after = get_calendar()
    assert after is not before
    assert not after.is_workday(D(2025, 10, 9)) and after.day_name(D(2025, 10, 9)) == "暴雪停工"
    assert after.add_workdays(at(2025, 9, 30, 10), 1).date() == D(2025, 10, 10)

    entry = AuditLog.objects.get(action="calendar.set", object_id=str(day.pk))
    assert entry.actor == admin
    assert entry.changes == {
        "is_workday": [True, False],
        "kind": ["", "holiday"],
        "name": ["", "暴雪停工"],
        "source": ["", "manual:calendar_admin"],
    }

    # Declaring the weekday working again removes the exception.
    with django_capture_on_commit_callbacks(execute=True):
        assert calendar_day_set(actor=admin, date=D(2025, 10, 9), is_workday=True, name="") is None
    assert not CalendarDay.objects.filter(date=D(2025, 10, 9)).exists()
    assert get_calendar().is_workday(D(2025, 10, 9))


def test_manual_saturday_and_package_override(seeded, make_user):
    admin = make_user(Role.ADMIN, PROVINCE)
    calendar_day_set(actor=admin, date=D(2025, 10, 18), is_workday=True, name="补班")
    calendar_day_set(actor=admin, date=D(2025, 10, 8), is_workday=True, name="")
    calendar_day_set(actor=admin, date=D(2025, 10, 19), is_workday=False, name="")  # no-op
    assert not CalendarDay.objects.filter(date__in=[D(2025, 10, 8), D(2025, 10, 19)]).exists()
    cal = WorkCalendar.load()  # inside the writing transaction, before any commit
    assert cal.is_workday(D(2025, 10, 18)) and cal.is_workday(D(2025, 10, 8))
    assert cal.add_workdays(at(2025, 9, 30, 10), 1).date() == D(2025, 10, 8)


def test_only_province_administrators_edit_the_calendar(db, make_user):
    county_admin = make_user(Role.ADMIN, NANGUAN)
    leader = make_user(Role.PROVINCE_LEADER, PROVINCE)
    for user in (county_admin, leader):
        with pytest.raises(ValidationError) as exc:
            calendar_day_set(actor=user, date=D(2026, 12, 31), is_workday=False, name="x")
        assert exc.value.code == "forbidden"
    assert not CalendarDay.objects.filter(date=D(2026, 12, 31)).exists()


def test_bad_input_is_refused(db, make_user):
    admin = make_user(Role.ADMIN, PROVINCE)
    with pytest.raises(ValidationError):
        calendar_day_set(actor=admin, date=at(2026, 12, 31), is_workday=False, name="x")
    with pytest.raises(ValidationError):
        calendar_day_set(actor=admin, date=D(2026, 12, 31), is_workday=False, name="长" * 65)


def test_seed_keeps_manual_days_and_drops_stale_package_days(seeded, make_user):
    admin = make_user(Role.ADMIN, PROVINCE)
    calendar_day_set(actor=admin, date=D(2025, 10, 1), is_workday=False, name="国庆节(手工)")
    CalendarDay.objects.create(
        date=D(2025, 3, 3),
        is_workday=False,
        kind=DayKind.HOLIDAY,
        name="old",
        source="chinese-calendar==0.0.1",
    )
    calendar_seed(years=[2025])
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).name == "国庆节(手工)"
    assert not CalendarDay.objects.filter(date=D(2025, 3, 3)).exists()


def test_seed_refuses_an_unknown_year_and_writes_nothing(db):
    CalendarDay.objects.all().delete()  # the session may have seeded already
    audits = AuditLog.objects.filter(action="calendar.seed").count()
    with pytest.raises(CalendarYearUnknown) as exc:
        calendar_seed(years=[2026, 2099])
    assert exc.value.years == [2099] and "2099" in exc.value.messages[0]
    assert not CalendarDay.objects.exists()
    assert AuditLog.objects.filter(action="calendar.seed").count() == audits
