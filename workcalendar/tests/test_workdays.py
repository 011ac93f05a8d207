"""Working-time arithmetic on hand-built calendars: no database."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from workcalendar.workdays import CHINA, WorkCalendar

D = datetime.date


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=CHINA)


# 国庆节、中秋节 2025 (国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号):
# 10月1日至8日放假调休, 9月28日(周日)、10月11日(周六)上班.
NATIONAL_DAY_2025 = WorkCalendar(
    holidays=[D(2025, 10, d) for d in range(1, 9)],
    makeup_workdays=[D(2025, 9, 28), D(2025, 10, 11)],
    covered_years=[2025],
)


def test_weekly_rule_and_exceptions():
    cal = NATIONAL_DAY_2025
    assert cal.is_workday(D(2025, 9, 26))  # Friday
    assert not cal.is_workday(D(2025, 9, 27))  # Saturday
    assert cal.is_workday(D(2025, 9, 28))  # make-up Sunday
    assert not cal.is_workday(D(2025, 10, 1))
    assert cal.is_workday(D(2025, 10, 11))  # make-up Saturday
    assert not cal.is_workday(D(2025, 10, 18))  # ordinary Saturday
    # A datetime is judged by its day in China, not in UTC.
    assert not cal.is_workday(datetime.datetime(2025, 9, 30, 17, tzinfo=datetime.UTC))


def test_add_workdays_counts_from_the_day_after_receipt():
    cal = NATIONAL_DAY_2025
    end = datetime.time.max
    received = at(2025, 9, 30, 10)
    assert cal.add_workdays(received, 1) == datetime.datetime.combine(
        D(2025, 10, 9), end, tzinfo=CHINA
    )
    assert cal.add_workdays(received, 3).date() == D(2025, 10, 11)
    assert cal.add_workdays(received, 4).date() == D(2025, 10, 13)
    # Received at 23:30 still counts from the next working day; so does a rest day.
    assert cal.add_workdays(at(2025, 9, 30, 23, 30), 1).date() == D(2025, 10, 9)
    assert cal.add_workdays(at(2025, 10, 3, 9), 1).date() == D(2025, 10, 9)
    # 当日办结 on a holiday: the next working day.
    assert cal.add_workdays(at(2025, 10, 3, 9), 0).date() == D(2025, 10, 9)
    assert cal.add_workdays(at(2025, 9, 30, 9), 0).date() == D(2025, 9, 30)


def test_add_workdays_from_utc_input_uses_the_local_day():
    # 2025-09-29 17:00 UTC is already 30 September 01:00 in China.
    utc = datetime.datetime(2025, 9, 29, 17, tzinfo=datetime.UTC)
    due = NATIONAL_DAY_2025.add_workdays(utc, 1)
    assert due.date() == D(2025, 10, 9) and due.tzinfo is CHINA


def test_workdays_between_inverts_add_workdays():
    cal = NATIONAL_DAY_2025
    assert cal.workdays_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert cal.workdays_between(D(2025, 9, 26), D(2025, 10, 13)) == 7
    assert cal.workdays_between(D(2025, 10, 13), D(2025, 9, 26)) == -7
    assert cal.workdays_between(D(2025, 10, 1), D(2025, 10, 1)) == 0
    start = at(2025, 9, 20, 15)
    for n in range(1, 30):
        assert cal.workdays_between(start, cal.add_workdays(start, n)) == n


def test_add_work_hours_skips_lunch_weekend_and_holiday():
    cal = NATIONAL_DAY_2025
    assert cal.add_work_hours(at(2025, 9, 30, 11), 2) == at(2025, 9, 30, 14, 30)  # lunch
    assert cal.add_work_hours(at(2025, 9, 19, 17), 1) == at(2025, 9, 22, 9)  # weekend
    assert cal.add_work_hours(at(2025, 9, 30, 17), 2) == at(2025, 10, 9, 10)  # holiday
    assert cal.add_work_hours(at(2025, 10, 10, 17), 1) == at(2025, 10, 11, 9)  # make-up Sat
    assert cal.add_work_hours(at(2025, 10, 3, 10), 1) == at(2025, 10, 9, 9, 30)
    # Running out exactly at a closing time ends there, not at the next opening.
    assert cal.add_work_hours(at(2025, 9, 23, 8, 30), 3.5) == at(2025, 9, 23, 12)
    assert cal.add_work_hours(at(2025, 9, 23, 12), 0.5) == at(2025, 9, 23, 14)
    assert cal.add_work_hours(at(2025, 9, 23, 20), 0) == at(2025, 9, 23, 20)


def test_work_time_between_matches_add_work_hours():
    cal = NATIONAL_DAY_2025
    # Fri 17:00 → Tue 09:00 over a make-up Sunday: 0.5 + 0 + 7.5 + 7.5 + 0.5 hours.
    assert cal.work_seconds_between(at(2025, 9, 26, 17), at(2025, 9, 30, 9)) == 16 * 3600
    # Over the whole holiday: the afternoon of 30 September and the morning of 9 October.
    assert cal.work_seconds_between(at(2025, 9, 30, 12), at(2025, 10, 9, 12)) == 7.5 * 3600
    assert cal.work_seconds_between(at(2025, 10, 9, 12), at(2025, 9, 30, 12)) == -7.5 * 3600
    assert cal.work_seconds_between(at(2025, 10, 2), at(2025, 10, 5)) == 0
    start = at(2025, 9, 24, 10, 17)
    for hours in (0.25, 1, 3.5, 7.5, 8, 20, 37.75, 100):
        due = cal.add_work_hours(start, hours)
        assert cal.work_seconds_between(start, due) == hours * 3600


def test_naive_datetimes_are_refused():
    cal = NATIONAL_DAY_2025
    naive = datetime.datetime(2025, 10, 1, 9)
    with pytest.raises(ValueError, match="naive"):
        cal.add_workdays(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.add_work_hours(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.work_seconds_between(naive, at(2025, 10, 9))
    with pytest.raises(ValueError, match="naive"):
        cal.workdays_between(at(2025, 10, 9), naive)
    with pytest.raises(ValueError, match="naive"):
        cal.is_workday(naive)


def test_bad_arguments():
    with pytest.raises(ValueError):
        NATIONAL_DAY_2025.add_workdays(at(2025, 10, 1), -1)
    with pytest.raises(ValueError):
        NATIONAL_DAY_2025.add_work_hours(at(2025, 10, 1), -0.5)


def test_office_hours_are_configurable(settings):
    settings.WORKCALENDAR_OFFICE_HOURS = [("09:00", "17:00")]
    cal = WorkCalendar(covered_years=[2025])
    assert cal.add_work_hours(at(2025, 9, 23, 16), 2) == at(2025, 9, 24, 10)
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar(office_hours=[("13:30", "17:30"), ("08:30", "12:00")])
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar(office_hours=[("8.30", "12")])


def test_uncovered_year_falls_back_to_the_weekly_rule(caplog):
    cal = WorkCalendar(covered_years=[2025])
    assert not cal.covers(D(2031, 1, 1))
    with caplog.at_level("WARNING", logger="workcalendar.workdays"):
        assert cal.is_workday(D(2031, 1, 1))  # a Wednesday: 元旦 unknown
    assert "2031" in caplog.text
