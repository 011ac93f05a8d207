"""Working-day arithmetic for time limits (办理时限) on the Chinese official calendar.

`get_calendar()` returns a `WorkCalendar` built from the `CalendarDay` table and kept in
process memory; the methods of `WorkCalendar` are pure and need no query.

Definitions (all results are aware datetimes in Asia/Shanghai):

- Working day: Monday–Friday unless stored as a holiday; Saturday/Sunday only when
  stored as a make-up working day (调休上班).
- `add_workdays(start, n)`: "N个工作日内办结" as 12345 hotlines and 综治 centres apply
  it — the day of receipt does not count, day 1 is the first working day *after* the
  day of receipt (whatever the hour, and also when the receipt day is itself a rest
  day), and the limit runs to the end of the N-th working day, 23:59:59.999999 local.
  `n == 0` means 当日办结: the end of the receipt day if it is a working day, else the
  end of the next working day.
- Office hours: by default 08:30–12:00 and 13:30–17:30 on working days (settings
  `WORKCALENDAR_OFFICE_HOURS`, a list of ("HH:MM", "HH:MM") periods). `add_work_hours`
  and `work_time_between` count only time inside them; a clock started outside them
  starts at the next opening, and a limit that runs out exactly at a closing time
  (12:00) ends then, not at the next opening.
- Years without any stored row are "not covered": the weekly rule alone applies and a
  warning is logged once per year per process, since the holidays are unknown.
"""

from __future__ import annotations

import bisect
import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

# The calendar is China's whatever settings.TIME_ZONE says. Shanghai has had no daylight
# saving since 1991, so wall-clock arithmetic within a day is exact.
CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_HOURS = (("08:30", "12:00"), ("13:30", "17:30"))

ONE_DAY = datetime.timedelta(days=1)
END_OF_DAY = datetime.time.max

Period = tuple[datetime.timedelta, datetime.timedelta]  # offsets from local midnight


def parse_office_hours(periods: Sequence[Sequence[str | datetime.time]]) -> tuple[Period, ...]:
    """Periods as offsets from midnight; ImproperlyConfigured unless ascending and disjoint."""

    def offset(value) -> datetime.timedelta:
        t = value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value)
        return datetime.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)

    try:
        parsed = tuple((offset(a), offset(b)) for a, b in periods)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f'WORKCALENDAR_OFFICE_HOURS must be [("HH:MM", "HH:MM"), ...]: {exc}'
        ) from exc
    previous_end = datetime.timedelta(0)
    for start, end in parsed:
        if not previous_end <= start < end:
            raise ImproperlyConfigured(
                "WORKCALENDAR_OFFICE_HOURS periods must be ascending, non-empty and disjoint."
            )
        previous_end = end
    if not parsed:
        raise ImproperlyConfigured("WORKCALENDAR_OFFICE_HOURS needs at least one period.")
    return parsed


def _local(value: datetime.datetime, what: str = "datetime") -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} {value.isoformat()} is naive; pass an aware datetime "
            "(e.g. django.utils.timezone.now()). 不接受无时区的时间。"
        )
    return value.astimezone(CHINA)


def _day(value: datetime.date | datetime.datetime) -> datetime.date:
    """The local calendar day of a date or of an aware datetime."""
    if isinstance(value, datetime.datetime):
        return _local(value).date()
    return value


def _weekdays_in(first: datetime.date, last: datetime.date) -> int:
    """Mondays–Fridays in [first, last]."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


class WorkCalendar:
    """The calendar's exceptions in memory, with pure working-time arithmetic."""

    def __init__(
        self,
        *,
        holidays: Iterable[datetime.date] = (),
        makeup_workdays: Iterable[datetime.date] = (),
        names: Mapping[datetime.date, str] | None = None,
        covered_years: Iterable[int] | None = None,
        office_hours: Sequence[Sequence[str | datetime.time]] | None = None,
    ):
        holidays, makeup_workdays = set(holidays), set(makeup_workdays)
        # Only the exceptions that change the weekly rule matter for the arithmetic.
        self._rest_weekdays = sorted(d for d in holidays if d.weekday() < 5)
        self._work_weekends = sorted(d for d in makeup_workdays if d.weekday() >= 5)
        self._rest_set = frozenset(self._rest_weekdays)
        self._work_set = frozenset(self._work_weekends)
        self._names = dict(names or {})
        self.covered_years = frozenset(
            covered_years
            if covered_years is not None
            else {d.year for d in holidays | makeup_workdays}
        )
        if office_hours is None:
            office_hours = getattr(settings, "WORKCALENDAR_OFFICE_HOURS", DEFAULT_OFFICE_HOURS)
        self.office_hours = parse_office_hours(office_hours)
        self.office_day = sum(
            (end - start for start, end in self.office_hours), datetime.timedelta(0)
        )

    @classmethod
    def load(cls, **kwargs) -> WorkCalendar:
        """Straight from the table, bypassing the process cache (e.g. inside the
        transaction that has just changed it)."""
        from .selectors import calendar_exceptions

        holidays, makeups, names = [], [], {}
        for day, is_workday, name in calendar_exceptions():
            (makeups if is_workday else holidays).append(day)
            if name:
                names[day] = name
        return cls(holidays=holidays, makeup_workdays=makeups, names=names, **kwargs)

    # Days

    def covers(self, day: datetime.date | datetime.datetime) -> bool:
        """Whether the holidays of that day's year are known."""
        return _day(day).year in self.covered_years

    def is_workday(self, day: datetime.date | datetime.datetime) -> bool:
        day = _day(day)
        self._check_covered(day.year, day.year)
        if day.weekday() < 5:
            return day not in self._rest_set
        return day in self._work_set

    def day_name(self, day: datetime.date | datetime.datetime) -> str:
        """The stored name ("国庆节", "春节"…), or "" for an unstored day."""
        return self._names.get(_day(day), "")

    def next_workday(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def nth_workday_after(self, day: datetime.date, n: int) -> datetime.date:
        """The n-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        for _ in range(n):
            day = self.next_workday(day)
        return day

    def workdays_between(
        self, a: datetime.date | datetime.datetime, b: datetime.date | datetime.datetime
    ) -> int:
        """Working days in (a, b]: after day a, up to and including day b.

        So `workdays_between(start, add_workdays(start, n)) == n`. Negative when b is
        before a (e.g. "超期 3 个工作日" as -3 the other way round).
        """
        a, b = _day(a), _day(b)
        if b < a:
            return -self.workdays_between(b, a)
        return self._count(a + ONE_DAY, b)

    def _count(self, first: datetime.date, last: datetime.date) -> int:
        """Working days in [first, last], by bisection over the exceptions."""
        if last < first:
            return 0
        self._check_covered(first.year, last.year)
        rest = bisect.bisect_right(self._rest_weekdays, last) - bisect.bisect_left(
            self._rest_weekdays, first
        )
        work = bisect.bisect_right(self._work_weekends, last) - bisect.bisect_left(
            self._work_weekends, first
        )
        return _weekdays_in(first, last) - rest + work

    # Deadlines

    def add_workdays(self, start: datetime.datetime, n: int) -> datetime.datetime:
        """End of the n-th working day after the day of `start` (see module docstring)."""
        local = _local(start, "start")
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day = local.date()
        if n == 0:
            due = day if self.is_workday(day) else self.next_workday(day)
        else:
            due = self.nth_workday_after(day, n)
        return datetime.datetime.combine(due, END_OF_DAY, tzinfo=CHINA)

    def add_work_hours(
        self, start: datetime.datetime, hours: float | int | Decimal
    ) -> datetime.datetime:
        """The moment `hours` of office time after `start` have elapsed."""
        return self.add_work_time(start, datetime.timedelta(hours=float(hours)))

    def add_work_time(
        self, start: datetime.datetime, duration: datetime.timedelta
    ) -> datetime.datetime:
        local = _local(start, "start")
        if duration < datetime.timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if not duration:
            return local
        remaining = duration
        day = local.date()
        since_midnight = local - datetime.datetime.combine(day, datetime.time(), tzinfo=CHINA)
        while True:
            if self.is_workday(day):
                for open_at, close_at in self.office_hours:
                    if close_at <= since_midnight:
                        continue
                    begin = max(open_at, since_midnight)
                    available = close_at - begin
                    if remaining <= available:
                        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=CHINA)
                        return midnight + begin + remaining
                    remaining -= available
            day += ONE_DAY
            since_midnight = datetime.timedelta(0)

    # Elapsed working time

    def work_time_between(self, a: datetime.datetime, b: datetime.datetime) -> datetime.timedelta:
        """Office time inside [a, b]; negative when b is before a.

        An SLA clock that can be suspended (挂起) sums this over its running intervals.
        """
        a, b = _local(a, "a"), _local(b, "b")
        if b < a:
            return -self.work_time_between(b, a)
        first, last = a.date(), b.date()
        a_offset = a - datetime.datetime.combine(first, datetime.time(), tzinfo=CHINA)
        b_offset = b - datetime.datetime.combine(last, datetime.time(), tzinfo=CHINA)
        if first == last:
            return self._office_time(first, a_offset, b_offset)
        return (
            self._office_time(first, a_offset, ONE_DAY)
            + self._count(first + ONE_DAY, last - ONE_DAY) * self.office_day
            + self._office_time(last, datetime.timedelta(0), b_offset)
        )

    def work_seconds_between(self, a: datetime.datetime, b: datetime.datetime) -> float:
        return self.work_time_between(a, b).total_seconds()

    def _office_time(
        self, day: datetime.date, since: datetime.timedelta, until: datetime.timedelta
    ) -> datetime.timedelta:
        total = datetime.timedelta(0)
        if not self.is_workday(day):
            return total
        for open_at, close_at in self.office_hours:
            overlap = min(close_at, until) - max(open_at, since)
            if overlap > datetime.timedelta(0):
                total += overlap
        return total

    # Coverage

    def _check_covered(self, first_year: int, last_year: int) -> None:
        for year in range(first_year, last_year + 1):
            if year not in self.covered_years and year not in _warned_years:
                _warned_years.add(year)
                logger.warning(
                    "工作日历未包含 %s 年的节假日安排,按周一至周五工作计算;请运行 seed_calendar "
                    "或手工维护。 No holidays known for %s: counting Monday-Friday only; "
                    "run `manage.py seed_calendar` or maintain the calendar by hand.",
                    year,
                    year,
                )


_warned_years: set[int] = set()

# Process cache. A version token in the shared cache (Redis) changes on every committed
# write; each process compares it with the token its copy was built under and reloads
# when they differ. The token is read *before* the rows, so a write that commits in
# between only costs one extra reload, never a stale copy under a new token.
VERSION_KEY = "workcalendar:version"
_local_copy: tuple[str, WorkCalendar] | None = None


def get_calendar() -> WorkCalendar:
    """The current calendar: one cache GET, plus one query after a change."""
    global _local_copy
    version = cache.get(VERSION_KEY)
    if version is None:  # first use, or the cache was flushed
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    copy = _local_copy
    if copy is not None and copy[0] == version:
        return copy[1]
    calendar = WorkCalendar.load()
    _local_copy = (version, calendar)
    return calendar


def calendar_changed() -> None:
    """Make every process reload the calendar. Services call it on commit."""
    global _local_copy
    _local_copy = None
    cache.set(VERSION_KEY, uuid4().hex, timeout=None)
