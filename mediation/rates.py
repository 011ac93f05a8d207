"""The 三源治理 rates of an area and period, from the rollups (mediation/figures.py). Each
rate is numerator / denominator over the disputes registered in the period; a denominator
of 0 gives value None (无数据), never a division by zero. The formulas are documented in
docs/mediation.md — keep the two in step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from governance.figures import Cells, figures_read

FIGURES = [
    "disputes.status",
    "disputes.source_status",
    "disputes.on_time",
    "disputes.rating",
    "disputes.repeat",
    "disputes.referral",
    "disputes.group_petition",
]


def _source_status(c: Cells, source: str, statuses=None) -> int:
    keys = None
    if statuses is not None:
        keys = [f"{source}:{s}" for s in statuses]
    else:
        keys = [k for (f, k) in c.total if f == "disputes.source_status" and k.startswith(source)]
    return c.sum("disputes.source_status", keys=keys)


@dataclass(frozen=True)
class Rate:
    code: str
    label: object
    numerator: Callable[[Cells], int]
    denominator: Callable[[Cells], int]
    # A decline compares with the same period a year before (三下降).
    decline: bool = False


RATES = [
    Rate(
        "resolution",
        _l("矛盾纠纷化解率"),
        lambda c: c.sum("disputes.status", keys=["succeeded"]),
        lambda c: c.sum("disputes.status", exclude=["withdrawn"]),
    ),
    Rate(
        "success",
        _l("调解成功率"),
        lambda c: c.sum("disputes.status", keys=["succeeded"]),
        lambda c: c.sum("disputes.status", keys=["succeeded", "failed"]),
    ),
    Rate(
        "on_time",
        _l("按期化解率"),
        lambda c: c.sum("disputes.on_time", keys=["yes"]),
        lambda c: c.sum("disputes.on_time"),
    ),
    Rate(
        "satisfaction",
        _l("群众满意率"),
        lambda c: c.sum("disputes.rating", keys=["4", "5"]),
        lambda c: c.sum("disputes.rating"),
    ),
    Rate(
        "pre_litigation",
        _l("诉前调解成功率"),
        lambda c: _source_status(c, "court", ["succeeded"]),
        lambda c: _source_status(c, "court", ["succeeded", "failed"]),
    ),
    Rate(
        "repeat_petition",
        _l("重复信访率"),
        lambda c: c.sum("disputes.repeat", keys=["petition"]),
        lambda c: _source_status(c, "petition"),
    ),
    Rate(
        "criminal",
        _l("民转刑案件发生率"),
        lambda c: c.sum("disputes.referral", keys=["criminal"]),
        lambda c: c.sum("disputes.status"),
    ),
    Rate(
        "litigation_decline",
        _l("民商事诉讼案件下降率"),
        lambda c: c.sum("disputes.referral", keys=["litigation"]),
        None,
        decline=True,
    ),
    Rate(
        "criminal_decline",
        _l("民转刑案件下降率"),
        lambda c: c.sum("disputes.referral", keys=["criminal"]),
        None,
        decline=True,
    ),
    Rate(
        "group_petition_decline",
        _l("群体性、越级上访下降率"),
        lambda c: c.sum("disputes.group_petition"),
        None,
        decline=True,
    ),
]
RATE_CODES = [r.code for r in RATES]


def _year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _value(numerator: int, denominator: int):
    return round(numerator / denominator, 4) if denominator else None


def period_clean(since, until) -> tuple[date, date]:
    """Parse `from`/`to` (ISO dates); a reversed period is refused."""
    try:
        since = date.fromisoformat(since) if isinstance(since, str) else since
        until = date.fromisoformat(until) if isinstance(until, str) else until
    except ValueError:
        raise ValidationError(_("日期格式应为 YYYY-MM-DD。"), code="invalid_date") from None
    if since is None or until is None:
        raise ValidationError(_("请填写统计起止日期。"), code="required")
    if until < since:
        raise ValidationError(_("统计截止日期不能早于起始日期。"), code="reversed_period")
    return since, until


def rates_compute(path: str, since: date, until: date) -> dict:
    """{rate code: {"value", "numerator", "denominator"}} of the area at `path` over the
    days `since`..`until`. A decline: numerator = last year's count − this year's,
    denominator = last year's, over the same days a year before."""
    now = figures_read(path, FIGURES, since=since, until=until)
    before = figures_read(path, FIGURES, since=_year_before(since), until=_year_before(until))
    out = {}
    for rate in RATES:
        if rate.decline:
            this, last = rate.numerator(now), rate.numerator(before)
            num, den = last - this, last
        else:
            num, den = rate.numerator(now), rate.denominator(now)
        out[rate.code] = {"value": _value(num, den), "numerator": num, "denominator": den}
    return out


def rate_labels() -> dict[str, str]:
    return {r.code: str(r.label) for r in RATES}
