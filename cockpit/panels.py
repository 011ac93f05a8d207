"""The cockpit's panels: one read per panel, each one query over the rollups
(governance/figures.py) plus, where a panel names things, one query for their names.
Every panel is scoped like the summary: `cockpit_area` (404 outside or above the
jurisdiction, 400 malformed) and `cockpit_audience` (a department handler reads the
cases held by their department only; docs/cockpit.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from events.figures import CLOSE_TIME_BUCKETS
from events.models import EventCategory, Source, Status, Urgency
from governance.figures import (
    Cells,
    cells_read,
    figure_inputs,
    figure_value,
    figures_read,
    figures_top_keys,
    series_read,
)
from governance.models import Department
from grids.models import Area
from mediation import selectors as mediation_selectors
from mediation.models import CODE_BY_KEY, Code, Dispute
from mediation.rates import RATES, rates_compute
from risk.models import COLOUR_BY_KEY, Colour

from .selectors import (
    Audience,
    area_head,
    audience_inputs,
    audience_value,
    cockpit_area,
    cockpit_audience,
)

TREND_DAYS = (7, 30)
WINDOWS = (1, 7, 30)  # today, the last 7 and the last 30 days (today included)
TOP_CATEGORIES = 8  # the rest is one "其他" row
TOP_UNITS = 10
BREAKDOWNS = {"status": Status, "category": None, "source": Source, "urgency": Urgency}
# ranking key -> (named figure, the figure that is its denominator, higher is better)
RANKINGS = {
    "on_time_rate": ("events.on_time_rate", "events.closed", True),
    "closure_rate": ("events.closure_rate", "events.total", True),
    "overdue_rate": ("events.overdue_rate", "events.open", False),
}
RANKED_OF = ("children", "departments")
# The named figures of a ranked row (_ranked).
RANKED_FIGURES = [
    "events.total",
    "events.open",
    "events.overdue",
    "events.closed",
    *(name for name, _base, _higher in RANKINGS.values()),
]
# The figures a department's row is computed from (events/figures.py, key: department).
DEPARTMENT_FIGURES = [
    "events.department",
    "events.open_department",
    "events.overdue",
    "events.near_due",
    "events.closed",
    "events.closed_late",
]


def _frame(user, code) -> tuple[Area, Audience, dict]:
    area = cockpit_area(user=user, code=code)
    audience = cockpit_audience(user=user, area=area)
    return area, audience, {"area": area_head(area), "audience": audience.kind}


def _one_of(value, allowed, *, default, code: str, message: str):
    """`value` (a query parameter) if it is one of `allowed` (compared as text)."""
    if value is None or value == "":
        return default
    for choice in allowed:
        if str(choice) == value:
            return choice
    raise ValidationError(message, code=code)


# -- trend ----------------------------------------------------------------------------------


def cockpit_trend(*, user, code: str | None, days: str | None) -> dict:
    """Reported and closed cases per day over the last `days` (7 or 30) days, and the
    totals of today, 7 and 30 days."""
    days = _one_of(
        days,
        TREND_DAYS,
        default=7,
        code="invalid_days",
        message=_("统计天数只能是 7 或 30。/ days must be 7 or 30."),
    )
    area, audience, head = _frame(user, code)
    until = timezone.localdate()
    since = until - timedelta(days=max(days, *WINDOWS) - 1)
    keys = audience.departments
    reported_figure = "events.status" if keys is None else "events.department"
    by_day = series_read(area.path, [reported_figure, "events.closed"], since=since, until=until)

    def reported(c: Cells) -> int:
        if keys is None:
            return c.sum("events.status", exclude=(Status.MERGED,))
        return c.sum("events.department", keys=keys)

    counts = []
    for i in range(max(days, *WINDOWS)):
        day = until - timedelta(days=i)
        c = by_day.get(day) or Cells()
        counts.append((day, reported(c), c.sum("events.closed", keys=keys)))
    counts.reverse()  # oldest first
    return {
        **head,
        "days": days,
        "since": until - timedelta(days=days - 1),
        "until": until,
        "series": [{"day": d, "reported": r, "closed": c} for d, r, c in counts[-days:]],
        "windows": [
            {
                "days": w,
                "reported": sum(r for _d, r, _c in counts[-w:]),
                "closed": sum(c for _d, _r, c in counts[-w:]),
            }
            for w in WINDOWS
        ],
    }


# -- breakdowns -----------------------------------------------------------------------------


def cockpit_breakdown(*, user, code: str | None, by: str | None) -> dict:
    """Cases by status, category (top 8 and 其他), source or urgency."""
    by = _one_of(
        by,
        BREAKDOWNS,
        default="status",
        code="invalid_by",
        message=_(
            "分组方式只能是 status、category、source 或 urgency。"
            "/ by must be status, category, source or urgency."
        ),
    )
    area, audience, head = _frame(user, code)
    head["by"] = by
    if audience.departments is not None:  # the rollups do not key these by department
        return {**head, "available": False, "total": None, "rows": []}
    cells = figures_read(area.path, [f"events.{by}"])
    counts = {key: n for (_f, key), n in cells.total.items() if n}
    if by == "category":
        rows = _categories(counts)
    else:
        labels = dict(BREAKDOWNS[by].choices)
        rows = [{"key": k, "label": str(labels[k]), "n": counts[k]} for k in labels if k in counts]
        rows += [{"key": k, "label": k, "n": n} for k, n in counts.items() if k not in labels]
    return {**head, "available": True, "total": sum(counts.values()), "rows": rows}


def _categories(counts: dict[str, int]) -> list[dict]:
    ids = [int(k) for k in counts if k.isdigit()]
    names = dict(EventCategory.objects.filter(id__in=ids).values_list("id", "name"))
    rows = sorted(
        (
            {"key": k, "label": names.get(int(k), k) if k.isdigit() else k, "n": n}
            for k, n in counts.items()
        ),
        key=lambda r: (-r["n"], r["label"]),
    )
    if len(rows) > TOP_CATEGORIES:
        rest = rows[TOP_CATEGORIES - 1 :]
        rows = rows[: TOP_CATEGORIES - 1]
        rows.append({"key": "other", "label": _("其他"), "n": sum(r["n"] for r in rest)})
    return rows


# -- timeliness and satisfaction ------------------------------------------------------------

TIMELINESS_FIGURES = [
    "events.status",
    *DEPARTMENT_FIGURES,
    "events.close_time",
    "events.verified",
]


def _rate(cells: Cells, audience: Audience, name: str, base: str):
    """A rate, or None when its denominator is zero (no case to measure)."""
    return audience_value(name, cells, audience) if audience_value(base, cells, audience) else None


def cockpit_timeliness(*, user, code: str | None) -> dict:
    """Overdue and near-due cases, the overdue rate, closed and closed late, the on-time
    closure rate, the closure rate and the time-to-close distribution."""
    area, audience, head = _frame(user, code)
    cells = figures_read(area.path, TIMELINESS_FIGURES)
    keys = audience.departments
    whole = keys is None
    close_time = []
    if whole:
        labels = _close_time_labels()
        close_time = [
            {"key": k, "label": label, "n": cells.sum("events.close_time", keys=[k])}
            for k, label in labels.items()
        ]

    def value(name):
        return audience_value(name, cells, audience)

    return {
        **head,
        "total": value("events.total"),
        "open": value("events.open"),
        "overdue": value("events.overdue"),
        "near_due": value("events.near_due"),
        "closed": value("events.closed"),
        "closed_late": cells.sum("events.closed_late", keys=keys),
        "verified": value("events.verified"),
        **{by: _rate(cells, audience, name, base) for by, (name, base, _h) in RANKINGS.items()},
        "close_time_available": whole,
        "close_time": close_time,
    }


def _close_time_labels() -> dict[str, str]:
    labels = {
        "1d": _("1 天内"),
        "3d": _("1–3 天"),
        "7d": _("3–7 天"),
        "15d": _("7–15 天"),
        "more": _("15 天以上"),
    }
    assert list(labels) == [k for k, _s in CLOSE_TIME_BUCKETS] + ["more"]
    return labels


def cockpit_satisfaction(*, user, code: str | None) -> dict:
    """The satisfaction rate (ratings 4–5), the mean rating and the ratings' distribution."""
    area, audience, head = _frame(user, code)
    if audience.departments is not None:  # ratings are not keyed by department
        return {
            **head,
            "available": False,
            "rated": None,
            "satisfaction": None,
            "rating_mean": None,
            "ratings": [],
        }
    cells = figures_read(area.path, ["events.rating"])
    rated = cells.sum("events.rating")
    return {
        **head,
        "available": True,
        "rated": rated,
        "satisfaction": audience_value("events.satisfaction", cells, audience) if rated else None,
        "rating_mean": audience_value("events.rating_mean", cells, audience) if rated else None,
        "ratings": [
            {"rating": r, "n": cells.sum("events.rating", keys=[str(r)])} for r in range(1, 6)
        ],
    }


# -- rankings -------------------------------------------------------------------------------


def _ranked(cells: Cells, audience: Audience) -> dict:
    return {
        "total": audience_value("events.total", cells, audience),
        "open": audience_value("events.open", cells, audience),
        "overdue": audience_value("events.overdue", cells, audience),
        "closed": audience_value("events.closed", cells, audience),
        **{by: _rate(cells, audience, name, base) for by, (name, base, _h) in RANKINGS.items()},
    }


def cockpit_ranking(*, user, code: str | None, of: str | None, by: str | None) -> dict:
    """The children (areas) or the holding departments of the area, ranked on timeliness
    (on-time closure rate, overdue rate) or the closure rate. Rows without a case to
    measure (rate null) come last, unranked."""
    of = _one_of(
        of,
        RANKED_OF,
        default="children",
        code="invalid_of",
        message=_(
            "排名对象只能是 children(下级区域)或 departments(部门)。"
            "/ of must be children or departments."
        ),
    )
    by = _one_of(
        by,
        RANKINGS,
        default="on_time_rate",
        code="invalid_by",
        message=_(
            "排名指标只能是 on_time_rate、closure_rate 或 overdue_rate。"
            "/ by must be on_time_rate, closure_rate or overdue_rate."
        ),
    )
    area, audience, head = _frame(user, code)
    if of == "children":
        _whole, by_child = cells_read(
            area.path,
            level=area.level,
            figures=audience_inputs(RANKED_FIGURES, audience),
        )
        rows = [
            {"code": c.code, "name": c.name, **_ranked(by_child.get(c.code) or Cells(), audience)}
            for c in Area.objects.filter(parent=area).only("code", "name").order_by("code")
        ]
    else:
        cells = figures_read(area.path, DEPARTMENT_FIGURES)
        ids = {k for (_f, k), n in cells.total.items() if k and n}
        if audience.departments is not None:
            ids &= set(audience.departments)
        names = dict(
            Department.objects.filter(id__in=[int(i) for i in ids if i.isdigit()]).values_list(
                "id", "name"
            )
        )
        # a department's row counts the cases it holds: its own department audience
        rows = [
            {"code": i, "name": names.get(int(i), i), **_ranked(cells, Audience((i,)))}
            for i in ids
            if i.isdigit()
        ]
    higher_better = RANKINGS[by][2]
    rows.sort(key=lambda r: (r["name"], r["code"]))
    rows.sort(key=lambda r: (r[by] is None, -(r[by] or 0) if higher_better else (r[by] or 0)))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank if row[by] is not None else None
    return {**head, "of": of, "by": by, "rows": rows}


# -- the most overdue units -----------------------------------------------------------------


def cockpit_overdue_units(*, user, code: str | None) -> dict:
    """The holding units (their areas) and departments with the most overdue cases of the
    area, and their near-due cases (top 10 each)."""
    area, audience, head = _frame(user, code)
    cells = figures_read(area.path, ["events.overdue", "events.near_due"])
    by_key: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (figure, key), n in cells.total.items():
        by_key[figure][key] += n
    units = []
    if audience.departments is None:  # the unit figures are not keyed by department
        # a province holds thousands of units: the ranking is done by the database, which
        # returns the top ten and whatever ties with the tenth (ordered by name below)
        top = figures_top_keys(
            area.path, "events.overdue_unit", "events.near_due_unit", limit=TOP_UNITS
        )
        counts = {int(k): (a, b) for k, a, b in top if k.isdigit()}
        units = [
            {
                "code": a.code,
                "name": a.name,
                "level": a.level,
                "overdue": counts[a.id][0],
                "near_due": counts[a.id][1],
            }
            for a in Area.objects.filter(id__in=counts).only("id", "code", "name", "level")
        ]
    ids = {k for (_f, k), n in cells.total.items() if k and n}
    if audience.departments is not None:
        ids &= set(audience.departments)
    names = dict(
        Department.objects.filter(id__in=[int(i) for i in ids if i.isdigit()]).values_list(
            "id", "name"
        )
    )
    departments = [
        {
            "id": int(i),
            "name": names.get(int(i), i),
            "overdue": by_key["events.overdue"].get(i, 0),
            "near_due": by_key["events.near_due"].get(i, 0),
        }
        for i in ids
        if i.isdigit()
    ]
    return {
        **head,
        "units_available": audience.departments is None,
        "units": _top(units, "code"),
        "departments": _top(departments, "id"),
    }


def _top(rows: list[dict], tie: str) -> list[dict]:
    rows.sort(key=lambda r: (-r["overdue"], -r["near_due"], r["name"], r[tie]))
    return rows[:TOP_UNITS]


# -- warnings (risk/figures.py) -------------------------------------------------------------

# Red (highest) first, as risk.models.COLOUR_KEYS.
WARNING_COLOURS = ("red", "orange", "yellow", "blue", "green")
WARNING_FIGURES = ["warnings.open", *(f"warnings.{k}" for k in WARNING_COLOURS)]


def _warning_counts(cells: Cells | None) -> dict:
    cells = cells if cells is not None else Cells()
    return {
        "open": figure_value("warnings.open", cells),
        **{k: figure_value(f"warnings.{k}", cells) for k in WARNING_COLOURS},
    }


def cockpit_warnings(*, user, code: str | None) -> dict:
    """Open warnings (issued, acknowledged, handled) by colour for the area and each child,
    from the named figures `warnings.*` — one read of the rollups for both (the area's
    own cells and its children's) and one for the children's names. Warnings are not kept
    per department: a department handler reads its area's, as `Warning.objects.restrict`
    lets it."""
    area, _audience, head = _frame(user, code)
    whole, by_child = cells_read(
        area.path,
        level=area.level,
        figures=figure_inputs(WARNING_FIGURES),
    )
    children = [
        {"code": child.code, "name": child.name, **_warning_counts(by_child.get(child.code))}
        for child in Area.objects.filter(parent=area).only("code", "name").order_by("code")
    ]
    return {
        **head,
        **_warning_counts(whole),
        "colours": [
            {"key": k, "label": str(Colour(COLOUR_BY_KEY[k]).label)} for k in WARNING_COLOURS
        ],
        "children": children,
    }


# -- mediation (mediation/figures.py, mediation/rates.py) -----------------------------------

# The five colours of the mediation code, red (most serious) first.
DISPUTE_CODES = ("red", "orange", "yellow", "blue", "green")
DISPUTE_FIGURES = ["disputes.open", *(f"disputes.open_{k}" for k in DISPUTE_CODES)]
RATES_DAYS = 365  # the rates over the last year, today included (as the rates page)
OVERDUE_TOP = 5


def _dispute_counts(cells: Cells | None) -> dict:
    cells = cells if cells is not None else Cells()
    return {
        "open": figure_value("disputes.open", cells),
        **{k: figure_value(f"disputes.open_{k}", cells) for k in DISPUTE_CODES},
    }


def _overdue_disputes(user, area: Area) -> list[dict]:
    """The most overdue open disputes of the area the user may read (a short list from
    the disputes table: the rollups keep counts, not cases)."""
    qs = mediation_selectors.overdue(
        Dispute.objects.restrict(user).filter(area_path__startswith=area.path)
    ).select_related("grid")[:OVERDUE_TOP]
    return [
        {
            "id": d.pk,
            "number": d.number,
            "title": d.title,
            "code": d.code_key,
            "code_label": d.get_code_display(),
            "status_label": d.get_status_display(),
            "grid": d.grid.name,
            "deadline": d.deadline,
            "overdue_days": d.overdue_days,
        }
        for d in qs
    ]


def cockpit_mediation(*, user, code: str | None) -> dict:
    """The 矛盾纠纷 panel: open disputes by code colour for the area and each child (one
    `cells_read` of the named figures `disputes.open*`), the 三源治理 rates of the last
    year (not the declines: mediation/rates.py, two reads of the rollups) and the most
    overdue open disputes. Disputes are not kept per department: a department handler
    reads its area's, as `Dispute.objects.restrict` lets it."""
    area, _audience, head = _frame(user, code)
    whole, by_child = cells_read(
        area.path, level=area.level, figures=figure_inputs(DISPUTE_FIGURES)
    )
    until = timezone.localdate()
    since = until - timedelta(days=RATES_DAYS - 1)
    rates = rates_compute(area.path, since, until)
    children = [
        {"code": child.code, "name": child.name, **_dispute_counts(by_child.get(child.code))}
        for child in Area.objects.filter(parent=area).only("code", "name").order_by("code")
    ]
    return {
        **head,
        **_dispute_counts(whole),
        "colours": [{"key": k, "label": str(Code(CODE_BY_KEY[k]).label)} for k in DISPUTE_CODES],
        "children": children,
        "since": since,
        "until": until,
        "rates": [
            {"code": r.code, "label": str(r.label), **rates[r.code]} for r in RATES if not r.decline
        ],
        "overdue": _overdue_disputes(user, area),
    }
