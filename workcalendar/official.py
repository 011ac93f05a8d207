"""The State Council holiday arrangements, as published in the `chinese-calendar` package.

The package is updated each year after the State Council's notice (国务院办公厅关于
某年部分节假日安排的通知, usually in November). It raises NotImplementedError for a
year it does not know; we report such years and never guess them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from importlib.metadata import version

import chinese_calendar

from .models import DayKind

PACKAGE = "chinese-calendar"
SOURCE = f"{PACKAGE}=={version(PACKAGE)}"

# The package names holidays in English; the notices name them in Chinese.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class OfficialDay:
    date: datetime.date
    is_workday: bool
    kind: str
    name: str


def year_supported(year: int) -> bool:
    try:
        chinese_calendar.get_holiday_detail(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def supported_years() -> range:
    """The contiguous range of years the installed package knows."""
    # Probe outwards from a year every release knows; the range is 2004 onwards.
    first = last = 2020
    while year_supported(first - 1):
        first -= 1
    while year_supported(last + 1):
        last += 1
    return range(first, last + 1)


def official_days(year: int) -> list[OfficialDay]:
    """The exception days of `year`; NotImplementedError if the package lacks the year."""
    day = datetime.date(year, 1, 1)
    found: list[OfficialDay] = []
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        is_workday = not is_holiday
        weekend = day.weekday() >= 5
        # Kept: weekdays off, weekend make-up days, and weekend days the notice names
        # as part of a holiday block. Plain weekends are left out.
        if (not weekend and not is_workday) or (weekend and (is_workday or name)):
            found.append(
                OfficialDay(
                    date=day,
                    is_workday=is_workday,
                    kind=DayKind.MAKEUP_WORKDAY if is_workday else DayKind.HOLIDAY,
                    name=CHINESE_NAMES.get(name, name or ""),
                )
            )
        day += datetime.timedelta(days=1)
    return found
