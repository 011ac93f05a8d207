"""The events' facts for the rollups (governance/figures.py) and their named figures.

Every case counts on the day it was reported, in its grid (area_path), once per dimension
(status, category, source, urgency, holding department); open cases once more under
`events.near_due` / `events.overdue` (key: holding department, "" for none) and
`events.overdue_unit` (key: the holding unit's area id); closed cases on the day they
were closed under `events.closed` (key: department), `events.closed_late` (closed after
the case's deadline), `events.close_time` (key: a bucket of the time from report to
close) and `events.rating` (key: the rating 1–5, once rated); verified cases on the day
they were verified under `events.verified`.

The holding department is `current_department`: a department's figures count the cases it
holds now (or held when the case was closed), not every case it ever touched."""

from django.utils.translation import gettext_lazy as _

from governance.figures import Fact, figure_register, figure_source_register

from .models import OPEN_STATUSES, Event, Status

SOURCE = "events"
TABLE = Event._meta.db_table
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_DONE = ", ".join(f"'{s}'" for s in (Status.CLOSED, Status.VERIFIED, Status.ARCHIVED))
_DAY = "(t.reported_at AT TIME ZONE '{tz}')::date"
_CLOSED_DAY = "(t.closed_at AT TIME ZONE '{tz}')::date"
_DEPT = "COALESCE(t.current_department_id::text, '')"

# Time from report to close, in buckets (keys of `events.close_time`), upper bounds.
CLOSE_TIME_BUCKETS = [("1d", "1 day"), ("3d", "3 days"), ("7d", "7 days"), ("15d", "15 days")]
_CLOSE_TIME = (
    "CASE "
    + " ".join(
        f"WHEN t.closed_at - t.reported_at <= interval '{span}' THEN '{key}'"
        for key, span in CLOSE_TIME_BUCKETS
    )
    + " ELSE 'more' END"
)

_CLOSED = f"t.closed_at IS NOT NULL AND t.status IN ({_DONE})"
_DUE = f"t.due_state IN ('overdue', 'near_due') AND t.status IN ({_OPEN})"
_LATE = f"{_CLOSED} AND t.closed_at > t.deadline"
_UNIT = "t.current_area_id::text"
FACTS = (
    Fact(_DAY, "'events.status'", "t.status"),
    Fact(_DAY, "'events.category'", "t.category_id::text"),
    Fact(_DAY, "'events.source'", "t.source"),
    Fact(_DAY, "'events.urgency'", "t.urgency"),
    Fact(_DAY, "'events.department'", _DEPT),
    Fact(_DAY, "'events.' || t.due_state", _DEPT, _DUE, ("events.overdue", "events.near_due")),
    Fact(
        _DAY,
        "'events.' || t.due_state || '_unit'",
        _UNIT,
        _DUE,
        ("events.overdue_unit", "events.near_due_unit"),
    ),
    Fact(_DAY, "'events.open_department'", _DEPT, f"t.status IN ({_OPEN})"),
    Fact(_CLOSED_DAY, "'events.closed'", _DEPT, _CLOSED),
    Fact(_CLOSED_DAY, "'events.closed_unit'", _UNIT, _CLOSED),
    Fact(_CLOSED_DAY, "'events.close_time'", _CLOSE_TIME, _CLOSED),
    Fact(_CLOSED_DAY, "'events.closed_late'", _DEPT, _LATE),
    Fact(_CLOSED_DAY, "'events.closed_late_unit'", _UNIT, _LATE),
    Fact(
        _CLOSED_DAY,
        "'events.rating'",
        "t.rating::text",
        "t.rating IS NOT NULL AND t.closed_at IS NOT NULL",
    ),
    Fact(
        "(t.verified_at AT TIME ZONE '{tz}')::date",
        "'events.verified'",
        "''",
        f"t.verified_at IS NOT NULL AND t.status IN ({_DONE})",
    ),
)

# The figures an SLA run changes (it flips due_state only).
DUE_FIGURES = ["events.near_due", "events.near_due_unit", "events.overdue", "events.overdue_unit"]

# A merged duplicate is counted in the case it was merged into.
_NOT_COUNTED = (Status.MERGED,)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _satisfaction(c) -> float:
    """Share of rated cases rated 4 or 5 (满意 / 非常满意)."""
    return _pct(c.sum("events.rating", keys=["4", "5"]), c.sum("events.rating"))


def _mean_rating(c) -> float:
    rated = c.sum("events.rating")
    total = sum(int(k) * c.sum("events.rating", keys=[k]) for k in "12345")
    return round(total / rated, 2) if rated else 0.0


# A case's facts fall on its report, close and verification days, and each of those
# writes the row (updated_at, indexed): a case with a fact today was written today.
CHANGED_SINCE = "t.updated_at >= %(raw_since_ts)s"


def register() -> None:
    figure_source_register(SOURCE, table=TABLE, facts=FACTS, changed_since=CHANGED_SINCE)
    add = figure_register
    add(
        "events.total",
        label=_("事件总数"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", exclude=_NOT_COUNTED),
        description=_("上报的全部事件(合并的重复件不计)"),
    )
    add(
        "events.open",
        label=_("在办事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", keys=OPEN_STATUSES),
        description=_("待受理、已受理、已分派、办理中、已办结待核查的事件"),
    )
    add(
        "events.overdue",
        label=_("超期事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.overdue"),
        description=_("在办且已超过本环节时限的事件"),
    )
    add(
        "events.near_due",
        label=_("临期事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.near_due"),
        description=_("在办且本环节时限将到的事件"),
    )
    add(
        "events.today",
        label=_("今日上报"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.status", exclude=_NOT_COUNTED, today=True),
        description=_("今天(北京时间)上报的事件"),
    )
    add(
        "events.overdue_rate",
        label=_("超期率"),
        unit="%",
        source=SOURCE,
        formula=lambda c: _pct(c.sum("events.overdue"), c.sum("events.status", keys=OPEN_STATUSES)),
        description=_("超期事件占在办事件的百分比"),
    )
    add(
        "events.closed",
        label=_("办结事件"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.closed"),
        description=_("已办结(含已核查、已归档)的事件,按办结日计"),
    )
    add(
        "events.closure_rate",
        label=_("办结率"),
        unit="%",
        source=SOURCE,
        formula=lambda c: _pct(
            c.sum("events.status", keys=[Status.CLOSED, Status.VERIFIED, Status.ARCHIVED]),
            c.sum("events.status", exclude=(*_NOT_COUNTED, Status.REJECTED)),
        ),
        description=_("已办结事件占受理事件(不含合并、不予受理)的百分比"),
    )
    add(
        "events.on_time_rate",
        label=_("按期办结率"),
        unit="%",
        source=SOURCE,
        formula=lambda c: _pct(
            c.sum("events.closed") - c.sum("events.closed_late"), c.sum("events.closed")
        ),
        description=_("在办结时限内办结的事件占办结事件的百分比"),
    )
    add(
        "events.verified",
        label=_("核查通过"),
        unit=_("件"),
        source=SOURCE,
        formula=lambda c: c.sum("events.verified"),
        description=_("核查通过的事件,按核查日计"),
    )
    add(
        "events.satisfaction",
        label=_("满意率"),
        unit="%",
        source=SOURCE,
        formula=_satisfaction,
        description=_("评价为满意或非常满意(4、5 分)的事件占已评价事件的百分比"),
    )
    add(
        "events.rating_mean",
        label=_("平均评分"),
        unit=_("分"),
        source=SOURCE,
        formula=_mean_rating,
        description=_("已评价事件的平均评分(1–5 分)"),
    )
