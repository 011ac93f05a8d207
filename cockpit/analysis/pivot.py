"""多维研判 — multi-dimensional analysis of cases: a pivot over two dimensions, the staff's
workload and timeliness, and period comparisons. The API (cockpit/api/analysis.py), the
page (cockpit/views_analysis.py) and the XLSX export all read through these selectors,
so they show the same numbers (docs/cockpit.md, "多维研判").

Where the counts come from:

- the **rollups** (`governance.FigureCount`) whenever a dimension is the child area or a
  period, or there is one dimension only, and the cells asked for keep days (the county and
  above; `DAY_DEPTH`): one query. Merged duplicates are not counted:
  for `events.status` the key `merged` is left out; for another figure the merged cases of
  the same cells (a few, `status` is indexed) are subtracted in the same statement;
- **one scoped GROUP BY over `events_event`** for two case attributes (category × source:
  the rollups are one-dimensional), below the county, and always for department users,
  whose audience is the cases their department was involved in
  (`Event.objects.restrict(user)`), not a subtree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Event, EventCategory, Source, Status, Urgency
from governance.figures import DAY_DEPTH, _like_prefix
from governance.models import Department, FigureCount
from governance.replica import read_connection
from governance.roles import Action, Role, roles_granting
from governance.scoping import user_role_rows
from grids.models import Area

from ..selectors import cockpit_area

TIME_DIMENSIONS = ("day", "week", "month", "quarter", "year")
ATTRIBUTE_DIMENSIONS = ("category", "source", "urgency", "department", "status")
DIMENSIONS = ("child", *TIME_DIMENSIONS, *ATTRIBUTE_DIMENSIONS)
DIMENSION_LABELS = {
    "child": gettext_lazy("下级区域"),
    "day": gettext_lazy("日"),
    "week": gettext_lazy("周"),
    "month": gettext_lazy("月"),
    "quarter": gettext_lazy("季度"),
    "year": gettext_lazy("年"),
    "category": gettext_lazy("事件分类"),
    "source": gettext_lazy("事件来源"),
    "urgency": gettext_lazy("紧急程度"),
    "department": gettext_lazy("承办部门"),
    "status": gettext_lazy("事件状态"),
}
# The rollup figure whose key is the attribute.
ATTRIBUTE_FIGURES = {
    "category": "events.category",
    "source": "events.source",
    "urgency": "events.urgency",
    "department": "events.department",
    "status": "events.status",
}
# PostgreSQL to_char formats of the period keys: 2026-11-30, 2026-W48, 2026-11, 2026-Q4, 2026.
TIME_FORMATS = {
    "day": "YYYY-MM-DD",
    "week": 'IYYY-"W"IW',
    "month": "YYYY-MM",
    "quarter": 'YYYY-"Q"Q',
    "year": "YYYY",
}
DEFAULT_DAYS = 30
MAX_YEARS = 5
MAX_DAY_BUCKETS = 366  # a table of more days than that is no table: use week or month
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DONE_STATUSES = (Status.CLOSED, Status.VERIFIED, Status.ARCHIVED)


def _invalid(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# -- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, end + 1 day 00:00) in Beijing time, for `reported_at` ranges."""
        tz = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.start, time.min, tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tz),
        )


def _parse_date(value: str, name: str) -> date:
    try:
        if not DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(
            _("日期“%(name)s”格式有误,应为 YYYY-MM-DD。") % {"name": name}, "invalid_date"
        ) from None


def analysis_period(*, start: str | None, end: str | None) -> Period:
    """`from`/`to` as dates (inclusive); default the last 30 days up to today (Beijing)."""
    today = timezone.localdate()
    to = _parse_date(end, "to") if end else today
    frm = _parse_date(start, "from") if start else to - timedelta(days=DEFAULT_DAYS - 1)
    if frm > to:
        raise _invalid(_("开始日期晚于结束日期。"), "invalid_period")
    if frm < _years_before(to, MAX_YEARS):
        raise _invalid(_("统计区间不能超过 %(n)d 年。") % {"n": MAX_YEARS}, "invalid_period")
    return Period(frm, to)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def analysis_dimension(value: str | None, *, name: str, optional: bool = False) -> str | None:
    if value in (None, "") and optional:
        return None
    if value not in DIMENSIONS:
        raise _invalid(
            _("未知的维度“%(value)s”(%(name)s),可选:%(valid)s。")
            % {"value": value or "", "name": name, "valid": ", ".join(DIMENSIONS)},
            "invalid_dimension",
        )
    return value


@dataclass(frozen=True)
class PivotQuery:
    area: Area
    rows: str
    cols: str | None
    period: Period


def pivot_query(*, user, params) -> PivotQuery:
    """Validate the pivot's parameters (a query dict): the one parser of the API, the page
    and the export, so all three refuse the same input with the same message."""
    area = cockpit_area(user=user, code=params.get("area"))
    rows = analysis_dimension(params.get("rows") or "child", name="rows")
    cols = analysis_dimension(params.get("cols"), name="cols", optional=True)
    if cols == rows:
        raise _invalid(_("行维度与列维度不能相同。"), "invalid_dimension")
    measure = params.get("measure") or "reported"
    if measure != "reported":
        raise _invalid(_("未知的统计量“%(m)s”,可选:reported。") % {"m": measure}, "invalid_measure")
    period = analysis_period(start=params.get("from"), end=params.get("to"))
    if "day" in (rows, cols) and (period.end - period.start).days >= MAX_DAY_BUCKETS:
        raise _invalid(
            _("按日统计的区间不能超过 %(n)d 天,请按周或按月统计。") % {"n": MAX_DAY_BUCKETS},
            "invalid_period",
        )
    return PivotQuery(area, rows, cols, period)


# -- who reads what -----------------------------------------------------------------------


def _department_audience(user) -> bool:
    """A department handler's cases are those their department was involved in, not a
    subtree: such a user always reads the raw cases through `restrict`."""
    granting = roles_granting(Action.VIEW)
    return any(r == Role.DEPARTMENT_HANDLER and r in granting for r, *_rest in user_role_rows(user))


# -- the pivot ----------------------------------------------------------------------------

T = Event._meta.db_table


def _raw_expr(dim: str, level: int) -> tuple[str, list]:
    """The SQL of a dimension over the cases table (unaliased, as the ORM writes it)."""
    if dim == "child":
        return f'split_part("{T}"."area_path", \'/\', %s)', [level + 1]
    if dim in TIME_DIMENSIONS:
        return (
            f'to_char(("{T}"."reported_at" AT TIME ZONE %s)::date, %s)',
            [settings.TIME_ZONE, TIME_FORMATS[dim]],
        )
    return {
        "category": (f'"{T}"."category_id"::text', []),
        "source": (f'"{T}"."source"', []),
        "urgency": (f'"{T}"."urgency"', []),
        "department": (f'COALESCE("{T}"."current_department_id"::text, \'\')', []),
        "status": (f'"{T}"."status"', []),
    }[dim]


def _rollup_expr(dim: str, level: int) -> tuple[str, list]:
    if dim == "child":
        return "split_part(f.area_path, '/', %s)", [level + 1]
    if dim in TIME_DIMENSIONS:
        return "to_char(f.day, %s)", [TIME_FORMATS[dim]]
    return "f.key", []


def _counts_raw(user, q: PivotQuery) -> dict[tuple[str, str], int]:
    """One scoped GROUP BY over the cases (merged duplicates not counted)."""
    start, end = q.period.bounds()
    qs = (
        Event.objects.restrict(user)
        .filter(area_path__startswith=q.area.path, reported_at__gte=start, reported_at__lt=end)
        .exclude(status=Status.MERGED)
    )
    r_sql, r_params = _raw_expr(q.rows, q.area.level)
    c_sql, c_params = _raw_expr(q.cols, q.area.level) if q.cols else ("''", [])
    rows = (
        qs.annotate(r=RawSQL(r_sql, r_params), c=RawSQL(c_sql, c_params))
        .values("r", "c")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["r"], row["c"]): row["n"] for row in rows}


def _counts_rollup(q: PivotQuery) -> dict[tuple[str, str], int]:
    """One statement over the rollups; for a figure other than the status, the merged
    duplicates of the same cells are subtracted in the same statement."""
    attribute = next((d for d in (q.rows, q.cols) if d in ATTRIBUTE_DIMENSIONS), None)
    figure = ATTRIBUTE_FIGURES.get(attribute, "events.status")
    level = q.area.level
    r_sql, r_params = _rollup_expr(q.rows, level)
    c_sql, c_params = _rollup_expr(q.cols, level) if q.cols else ("''", [])
    prefix = _like_prefix(q.area.path)
    # Rollups are kept at every level: the children's own cells when a dimension is the
    # child, else the area's own cells (governance/figures.py).
    where = "f.parent_path = %s" if "child" in (q.rows, q.cols) else "f.area_path = %s"
    sql = f"""SELECT {r_sql} AS r, {c_sql} AS c, f.n FROM {FigureCount._meta.db_table} f
        WHERE {where} AND f.figure = %s AND f.day BETWEEN %s AND %s
          AND NOT (f.figure = 'events.status' AND f.key = %s)"""
    params = [
        *r_params,
        *c_params,
        q.area.path,
        figure,
        q.period.start,
        q.period.end,
        Status.MERGED.value,
    ]
    if figure != "events.status":
        start, end = q.period.bounds()
        mr_sql, mr_params = _raw_expr(q.rows, level)
        mc_sql, mc_params = _raw_expr(q.cols, level) if q.cols else ("''", [])
        sql += f"""
        UNION ALL
        SELECT {mr_sql}, {mc_sql}, -1 FROM "{T}"
        WHERE "{T}"."status" = %s AND "{T}"."area_path" LIKE %s
          AND "{T}"."reported_at" >= %s AND "{T}"."reported_at" < %s"""
        params += [*mr_params, *mc_params, Status.MERGED.value, prefix, start, end]
    with read_connection().cursor() as cur:
        cur.execute(
            f"SELECT r, c, sum(n) FROM ({sql}) AS cells GROUP BY 1, 2 HAVING sum(n) <> 0", params
        )
        return {(r, c): int(n) for r, c, n in cur.fetchall()}


def pivot_counts(*, user, q: PivotQuery) -> tuple[dict[tuple[str, str], int], str]:
    """The counts per (row key, column key) and which path answered: `rollup` or `raw`."""
    attributes = [d for d in (q.rows, q.cols) if d in ATTRIBUTE_DIMENSIONS]
    # Day cells are kept down to the county (governance/figures.py: DAY_DEPTH): the
    # children of a county and the areas below count from the cases themselves.
    cells_level = q.area.level + (1 if "child" in (q.rows, q.cols) else 0)
    if _department_audience(user) or len(attributes) == 2 or cells_level > DAY_DEPTH:
        return _counts_raw(user, q), "raw"
    return _counts_rollup(q), "rollup"


def _time_keys(dim: str, period: Period) -> list[str]:
    keys, day = [], period.start
    while day <= period.end:
        if dim == "day":
            key = day.isoformat()
        elif dim == "week":
            iso = day.isocalendar()
            key = f"{iso.year}-W{iso.week:02d}"
        elif dim == "month":
            key = f"{day:%Y-%m}"
        elif dim == "quarter":
            key = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        else:
            key = str(day.year)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def _choice_members(choices, present: set[str]) -> list[tuple[str, str]]:
    known = [(str(v), str(label)) for v, label in choices if v in present]
    return known + [(k, k) for k in sorted(present - {v for v, _l in choices})]


def dimension_members(dim: str, *, area: Area, period: Period, present: set[str]):
    """The [(key, name)] of a dimension in display order: every child and every period of
    the range (zeros shown, not dropped); the attributes' keys that occur."""
    if dim == "child":
        members = [
            (a.code, a.name)
            for a in Area.objects.filter(parent=area).only("code", "name").order_by("code")
        ]
        if "" in present:  # cases held at the area itself, without a grid
            members.append(("", _("本级(未落网格)")))
        codes = {c for c, _n in members}
        # A child that no longer exists under this area (a moved grid) keeps its code.
        return members + [(k, k) for k in sorted(present - codes)]
    if dim in TIME_DIMENSIONS:
        return [(k, k) for k in _time_keys(dim, period)]
    if dim == "status":
        return _choice_members(Status.choices, present)
    if dim == "source":
        return _choice_members(Source.choices, present)
    if dim == "urgency":
        return _choice_members(Urgency.choices, present)
    if dim == "category":
        ids = [int(k) for k in present if k.isdigit()]
        cats = EventCategory.objects.filter(id__in=ids).only("id", "code", "name").order_by("code")
        members = [(str(c.id), c.name) for c in cats]
        return members + [(k, k) for k in sorted(present - {m for m, _n in members})]
    # department
    ids = [int(k) for k in present if k.isdigit()]
    depts = Department.objects.filter(id__in=ids).only("id", "name").order_by("code")
    members = [(str(d.id), d.name) for d in depts]
    if "" in present:
        members.append(("", _("未分派")))
    return members + [(k, k) for k in sorted(present - {m for m, _n in members} - {""})]


def analysis_pivot(*, user, params) -> dict:
    """The pivot: rows × columns of counts of cases reported (merged not counted), with the
    total of each row, of each column and the grand total."""
    return pivot_answer(user=user, q=pivot_query(user=user, params=params))


def pivot_answer(*, user, q: PivotQuery) -> dict:
    counts, path = pivot_counts(user=user, q=q)
    row_members = dimension_members(
        q.rows, area=q.area, period=q.period, present={r for r, _c in counts}
    )
    col_members = (
        dimension_members(q.cols, area=q.area, period=q.period, present={c for _r, c in counts})
        if q.cols
        else []
    )
    rows = []
    totals = {k: 0 for k, _n in col_members}
    for rkey, rname in row_members:
        if q.cols:
            cells = {ckey: counts.get((rkey, ckey), 0) for ckey, _n in col_members}
            for ckey, n in cells.items():
                totals[ckey] += n
            total = sum(cells.values())
        else:
            cells, total = {}, counts.get((rkey, ""), 0)
        rows.append({"key": rkey, "name": rname, "counts": cells, "total": total})
    return {
        "area": {"code": q.area.code, "name": q.area.name, "level": q.area.level},
        "measure": "reported",
        "row_dimension": q.rows,
        "col_dimension": q.cols,
        "row_label": str(DIMENSION_LABELS[q.rows]),
        "col_label": str(DIMENSION_LABELS[q.cols]) if q.cols else "",
        "from": q.period.start,
        "to": q.period.end,
        "source": path,
        "columns": [{"key": k, "name": n} for k, n in col_members],
        "rows": rows,
        "totals": totals,
        "total": sum(r["total"] for r in rows),
    }
