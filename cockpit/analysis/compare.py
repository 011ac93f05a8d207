"""Period comparison (同比 / 环比): for each child area (or category), the cases reported in
a month, quarter or year, in the period before it and in the same period a year earlier —
three reads of the same pivot counts, so they agree with the pivot."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..selectors import cockpit_area
from .pivot import Period, PivotQuery, dimension_members, pivot_counts

COMPARE_PERIODS = ("month", "quarter", "year")
COMPARE_BY = ("child", "category")
AT = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _add_months(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def compare_periods(period: str, at: date) -> tuple[Period, Period, Period]:
    """(this period, the one before it, the same period a year earlier) around `at`."""
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    if period == "month":
        first = _month_start(at.year, at.month)
    elif period == "quarter":
        first = _month_start(at.year, (at.month - 1) // 3 * 3 + 1)
    else:
        first = _month_start(at.year, 1)

    def span(start: date) -> Period:
        return Period(start, _add_months(start, months) - timedelta(days=1))

    return span(first), span(_add_months(first, -months)), span(_add_months(first, -12))


def _parse_at(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    m = AT.match(value)
    month = int(m.group(2) or 1) if m else 0
    if not m or not 1 <= month <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise ValidationError(
            _("统计期“%(at)s”格式有误,应为 YYYY-MM 或 YYYY(2000–2100)。") % {"at": value},
            code="invalid_period",
        )
    return date(int(m.group(1)), month, 1)


def _change(now: int, before: int) -> float | None:
    """Percentage change; none when there was nothing before (no ratio to speak of)."""
    return round(100 * (now - before) / before, 1) if before else None


def analysis_compare(*, user, params) -> dict:
    area = cockpit_area(user=user, code=params.get("area"))
    period = params.get("period") or "month"
    if period not in COMPARE_PERIODS:
        raise ValidationError(
            _("未知的周期“%(p)s”,可选:month, quarter, year。") % {"p": period},
            code="invalid_period",
        )
    by = params.get("by") or "child"
    if by not in COMPARE_BY:
        raise ValidationError(
            _("未知的对比维度“%(by)s”,可选:child, category。") % {"by": by},
            code="invalid_dimension",
        )
    current, previous, last_year = compare_periods(period, _parse_at(params.get("at")))
    counts = [
        {r: n for (r, _c), n in pivot_counts(user=user, q=PivotQuery(area, by, None, p))[0].items()}
        for p in (current, previous, last_year)
    ]
    present = set().union(*counts)
    rows = []
    for key, name in dimension_members(by, area=area, period=current, present=present):
        rows.append(_compare_row(key, name, *(c.get(key, 0) for c in counts)))
    total = _compare_row("", _("合计"), *(sum(c.values()) for c in counts))
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "period": period,
        "by": by,
        "current": _span(current),
        "previous": _span(previous),
        "last_year": _span(last_year),
        "rows": rows,
        "total": total,
    }


def _span(p: Period) -> dict:
    return {"from": p.start, "to": p.end}


def _compare_row(key: str, name: str, now: int, before: int, year_ago: int) -> dict:
    return {
        "key": key,
        "name": name,
        "current": now,
        "previous": before,
        "last_year": year_ago,
        "mom_pct": _change(now, before),
        "yoy_pct": _change(now, year_ago),
    }
