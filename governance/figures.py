"""The figures layer: rollups of counts and the one registry of named figures.

Rollups (`governance.FigureCount`) hold counts per day × grid (area path) × figure × key,
e.g. (2026-11-30, "22/2201/…/<grid>/", "events.status", "handling") = 3. A *source*
(registered by the app owning the raw table) is one SQL text that yields, for each raw
row, the cells it counts in — `(day, area_path, figure, key)` — filtered by `{where}` on
the table aliased `t`. Everything else derives from that one text:

- a service that changes counted rows calls `figures_retract(source, ids)` before and
  `figures_count(source, ids)` after the write, in its transaction: each one
  `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE SET n = n + excluded.n`;
- an import retracts the rows it will overwrite and counts what it wrote, set-based;
- `figures_reconcile()` (nightly, Celery beat) compares the rollups with a GROUP BY over
  every source on the raw tables, reports the differences and repairs them.

Named figures (`figure_register`) are formulas over the cells of one area (its subtree),
defined once with their Chinese label and unit; the cockpit and, later, risk, mediation
and assessment read them from here (docs/cockpit.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection

from .models import FigureCount

log = logging.getLogger(__name__)

TABLE = FigureCount._meta.db_table


# -- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    sql: str  # SELECT day, area_path, figure, key FROM <table> t … WHERE {where} [UNION ALL …]


SOURCES: dict[str, Source] = {}


def figure_source_register(name: str, sql: str) -> Source:
    """Register the facts SQL of one raw table (from the owning app's `AppConfig.ready`).
    `{where}` appears in every branch; `{tz}` is replaced by the project's time zone."""
    source = Source(name, sql.replace("{tz}", settings.TIME_ZONE))
    SOURCES[name] = source
    return source


def _facts(source: str, where: str) -> str:
    return SOURCES[source].sql.replace("{where}", where)


def _apply(source: str, where: str, params: dict, sign: int, figures=None) -> None:
    only = "WHERE figure = ANY(%(figures)s)" if figures else ""
    sql = f"""
        INSERT INTO {TABLE} AS r (day, area_path, figure, key, n)
        SELECT day, area_path, figure, key, {int(sign)} * count(*)
        FROM ({_facts(source, where)}) AS facts {only}
        GROUP BY day, area_path, figure, key
        ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = r.n + excluded.n"""
    with connection.cursor() as cur:
        cur.execute(sql, {**params, "figures": list(figures or [])})


def figures_count(source: str, ids: Iterable[int], *, figures=None) -> None:
    """Add the cells of the rows `ids` as they are now (call after the write)."""
    ids = list(ids)
    if ids:
        _apply(source, "t.id = ANY(%(ids)s)", {"ids": ids}, +1, figures)


def figures_retract(source: str, ids: Iterable[int], *, figures=None) -> None:
    """Take away the cells of the rows `ids` as they are now (call before the write: a
    change, a move to another grid, a deletion)."""
    ids = list(ids)
    if ids:
        _apply(source, "t.id = ANY(%(ids)s)", {"ids": ids}, -1, figures)


def figures_apply_where(source: str, where: str, params: dict, sign: int) -> None:
    """Set-based: count (+1) or retract (-1) every row matching `where` (on `t`)."""
    _apply(source, where, params, sign)


# -- reconciliation -----------------------------------------------------------------------


# The re-derivation groups every raw row of the province (millions of cells): with the
# default 4 MB of work_mem the hash spills gigabytes to disk. Only for that transaction.
_BIG_GROUP_BY = "SET LOCAL work_mem = '256MB'"


def _expected_sql() -> str:
    union = " UNION ALL ".join(f"({_facts(name, 'TRUE')})" for name in SOURCES)
    return f"""SELECT day, area_path, figure, key, count(*) AS n FROM ({union}) AS facts
        GROUP BY day, area_path, figure, key"""


def figures_differences() -> list[tuple]:
    """(day, area_path, figure, key, rollup n, raw n) wherever the rollups disagree with a
    GROUP BY over the raw tables (a missing cell counts 0)."""
    from django.db import transaction

    if not SOURCES:
        return []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_BIG_GROUP_BY)
        cur.execute(
            f"""
            WITH expected AS ({_expected_sql()})
            SELECT COALESCE(e.day, r.day), COALESCE(e.area_path, r.area_path),
                COALESCE(e.figure, r.figure), COALESCE(e.key, r.key),
                COALESCE(r.n, 0), COALESCE(e.n, 0)
            FROM expected e FULL JOIN {TABLE} r ON (r.day, r.area_path, r.figure, r.key)
                = (e.day, e.area_path, e.figure, e.key)
            WHERE COALESCE(r.n, 0) <> COALESCE(e.n, 0)
            ORDER BY 1, 2, 3, 4"""
        )
        return cur.fetchall()


def figures_reconcile(*, repair: bool = True) -> dict:
    """Re-derive the rollups from the raw tables; log and return the differences, and
    (by default) repair them — in one transaction, so a repair is all or nothing. Cells
    that fell to zero are dropped."""
    from django.db import transaction

    with transaction.atomic():
        # Writers of counted rows wait: the comparison and the repair see one state.
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        diffs = figures_differences()
        for d in diffs:
            log.warning("figures_reconcile: %s %s %s=%s rollup %s raw %s", *d)
        if repair and diffs:
            with connection.cursor() as cur:
                cur.executemany(
                    f"""INSERT INTO {TABLE} AS r (day, area_path, figure, key, n)
                    VALUES (%s, %s, %s, %s, %s)
                    ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = excluded.n""",
                    [(d[0], d[1], d[2], d[3], d[5]) for d in diffs],
                )
        if repair:
            FigureCount.objects.filter(n=0).delete()
    return {
        "differences": len(diffs),
        "repaired": repair,
        "cells": [
            {
                "day": str(d[0]),
                "area_path": d[1],
                "figure": d[2],
                "key": d[3],
                "rollup": d[4],
                "raw": d[5],
            }
            for d in diffs[:100]
        ],
    }


def figures_rebuild() -> int:
    """Derive every rollup cell afresh from the raw tables, in one transaction (after a
    bulk load that bypassed the services: the demo province, the benchmarks' data).
    Set-based — one DELETE and one INSERT … SELECT — where `figures_reconcile` repairs
    cell by cell. Returns the number of cells."""
    from django.db import transaction

    if not SOURCES:
        return 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(_BIG_GROUP_BY)
        cur.execute(f"DELETE FROM {TABLE}")
        cur.execute(
            f"INSERT INTO {TABLE} (day, area_path, figure, key, n) "
            f"SELECT * FROM ({_expected_sql()}) AS expected"
        )
        return cur.rowcount


# -- reading ------------------------------------------------------------------------------


class Cells:
    """The summed cells of one area's subtree: n per (figure, key), in total and today."""

    def __init__(self):
        self.total: dict[tuple[str, str], int] = defaultdict(int)
        self.today: dict[tuple[str, str], int] = defaultdict(int)

    def sum(self, figure: str, *, keys=None, exclude=(), today: bool = False) -> int:
        cells = self.today if today else self.total
        return sum(
            n
            for (f, k), n in cells.items()
            if f == figure and (keys is None or k in keys) and k not in exclude
        )


def cells_read(path: str, *, level: int, today: date) -> tuple[Cells, dict[str, Cells]]:
    """One query: the cells of the subtree at `path` (an area of `level`), in total and
    split by child (the code one level down; a grid has no children)."""
    whole, children = Cells(), defaultdict(Cells)
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT split_part(area_path, '/', %(child)s), figure, key, sum(n),
                    sum(n) FILTER (WHERE day = %(today)s)
                FROM {TABLE} WHERE area_path LIKE %(prefix)s
                GROUP BY 1, 2, 3""",
            {"child": level + 1, "today": today, "prefix": _like_prefix(path)},
        )
        for child, figure, key, n, n_today in cur.fetchall():
            for cells in (whole, children[child]) if child else (whole,):
                cells.total[(figure, key)] += n
                cells.today[(figure, key)] += n_today or 0
    return whole, dict(children)


def figures_read(
    path: str, figures: Iterable[str], *, since: date | None = None, until: date | None = None
) -> Cells:
    """One query: the cells of `figures` (every key) in the subtree at `path`, summed over
    the days `since`..`until` (inclusive; open ends: all days). `Cells.today` stays empty."""
    cells = Cells()
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT figure, key, sum(n) FROM {TABLE}
                WHERE area_path LIKE %(prefix)s AND figure = ANY(%(figures)s)
                  AND (%(since)s::date IS NULL OR day >= %(since)s::date)
                  AND (%(until)s::date IS NULL OR day <= %(until)s::date)
                GROUP BY 1, 2""",
            {
                "prefix": _like_prefix(path),
                "figures": list(figures),
                "since": since,
                "until": until,
            },
        )
        for figure, key, n in cur.fetchall():
            cells.total[(figure, key)] += n
    return cells


def series_read(
    path: str, figures: Iterable[str], *, since: date, until: date
) -> dict[date, Cells]:
    """One query: the cells of `figures` in the subtree at `path`, day by day from `since`
    to `until` (inclusive). A day without a cell is absent (read it as zero)."""
    days: dict[date, Cells] = defaultdict(Cells)
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT day, figure, key, sum(n) FROM {TABLE}
                WHERE area_path LIKE %(prefix)s AND figure = ANY(%(figures)s)
                  AND day BETWEEN %(since)s AND %(until)s
                GROUP BY 1, 2, 3""",
            {
                "prefix": _like_prefix(path),
                "figures": list(figures),
                "since": since,
                "until": until,
            },
        )
        for day, figure, key, n in cur.fetchall():
            days[day].total[(figure, key)] += n
    return dict(days)


def _like_prefix(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- named figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    source: str
    formula: Callable[[Cells], int | float]
    description: str = ""


FIGURES: dict[str, Figure] = {}


def figure_register(
    name: str,
    *,
    label,
    unit,
    source: str,
    formula: Callable[[Cells], int | float],
    description: str = "",
) -> Figure:
    """Define a named figure once (in the owning app's `AppConfig.ready`)."""
    figure = Figure(name, label, unit, source, formula, description)
    FIGURES[name] = figure
    return figure


def figure_value(name: str, cells: Cells):
    return FIGURES[name].formula(cells)
