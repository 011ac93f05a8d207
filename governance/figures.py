"""The figures layer: rollups of counts and the one registry of named figures.

Rollups (`governance.FigureCount`) hold counts per day × area × figure × key, e.g.
(2026-11-30, "22/2201/220102/", "events.status", "handling") = 3. A fact of a grid counts
under `ALL_TIME` (the sum of every day) in the cells of its grid, village, township, county,
city and province, and for its day in the cells of its county, city and province only
(`DAY_DEPTH`): day cells below the county would be one cell per fact and figure, most of
the table and of every write, for subtrees small enough to count from the raw tables when
a day range of theirs is asked for (`_raw_cells`). An area reads its own figures by one
equality (`area_path = its path`) and its children's by another (`parent_path = its
path`): a province reads a few hundred cells, not the millions of facts below it
(docs/cockpit.md, docs/performance.md). A *source*
(registered by the app owning the raw table) is one SQL text that yields, for each raw
row, the cells it counts in — `(day, area_path, figure, key)` — filtered by `{where}` on
the table aliased `t`. Everything else derives from that one text:

- a service that changes counted rows calls `figures_retract(source, ids)` before and
  `figures_count(source, ids)` after the write, in its transaction: each one appends the
  rows' cells, -n or +n, to the delta queue (`FigureDelta`, at the facts' own level);
  `figures_drain` (Celery, queued on commit, and every few seconds by beat) takes the
  queue and upserts its sums at every level —
  `INSERT … SELECT … ON CONFLICT DO UPDATE SET n = n + excluded.n` — so a write locks
  nothing that other writers share (the province's cells are every writer's);
- an import retracts the rows it will overwrite and counts what it wrote, set-based;
- `figures_reconcile()` (nightly, Celery beat) compares the rollups with a GROUP BY over
  every source on the raw tables, reports the differences and repairs them.

Named figures (`figure_register`) are formulas over the cells of one area (its subtree),
defined once with their Chinese label and unit; the cockpit and, later, risk, mediation
and assessment read them from here (docs/cockpit.md).
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from .models import FigureCount, FigureDelta
from .replica import read_connection

log = logging.getLogger(__name__)

TABLE = FigureCount._meta.db_table
DELTA_TABLE = FigureDelta._meta.db_table
DRAIN_TASK = "governance.tasks.figures_drain_task"


# -- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One fact of every raw row of a table (`Source.facts`): its day, figure and key as SQL
    over the row `t`, counted when `when` holds. `names`: the figures a computed `figure`
    expression can yield (a literal one names itself)."""

    day: str
    figure: str
    key: str
    when: str = "TRUE"
    names: tuple[str, ...] = ()

    def yields(self) -> set[str]:
        literal = self.figure.strip()
        if literal.startswith("'") and literal.endswith("'") and literal.count("'") == 2:
            return {literal.strip("'")}
        return set(self.names)


@dataclass(frozen=True)
class Source:
    name: str
    sql: str  # SELECT day, area_path, figure, key FROM <table> t … WHERE {where} [UNION ALL …]
    # A predicate on `t` that every row with a fact on or after the day starting at
    # %(raw_since_ts)s satisfies (e.g. "written since then"), for an index to find today's
    # facts of a subtree without reading the whole subtree; None: no such predicate.
    changed_since: str | None = None
    # Declared facts (one scan of `table`): a reader of a few figures expands each row into
    # only the facts that can yield them (`sql_for`), not into all of them.
    table: str = ""
    facts: tuple[Fact, ...] = ()

    def sql_for(self, figures: Iterable[str] | None) -> str:
        if figures is None or not self.facts:
            return self.sql
        wanted = set(figures)
        facts = [f for f in self.facts if f.yields() & wanted]
        return _facts_sql(self.table, facts or self.facts[:1])

    def over(self, relation: str) -> str:
        """The facts of the rows of `relation` (a CTE with the columns the facts read, e.g.
        the RETURNING rows of a bulk write) instead of the rows of `table`: the rows a
        statement writes are not visible to the rest of that statement in the table."""
        marker = f"FROM {self.table} t "
        if not self.table or marker not in self.sql:
            raise ValueError(f"figure source {self.name!r} does not read its table as `t`")
        return self.sql.replace(marker, f"FROM {relation} t ").replace("{where}", "TRUE")


SOURCES: dict[str, Source] = {}


def _facts_sql(table: str, facts) -> str:
    """One scan of the table, each row's facts from one VALUES list with their conditions: a
    single relation is cheap to plan (a write counts one or two rows: planning a union of
    seven scans cost twice its execution) and the re-derivation reads the table once."""
    values = ",\n    ".join(f"({f.day}, {f.figure}, {f.key}, {f.when})" for f in facts)
    return (
        f"SELECT f.day, t.area_path, f.figure, f.key FROM {table} t CROSS JOIN LATERAL "
        f"(VALUES\n    {values}\n) AS f (day, figure, key, counted) "
        "WHERE f.counted AND {where}"
    )


def figure_source_register(
    name: str,
    sql: str = "",
    *,
    changed_since: str | None = None,
    table: str = "",
    facts: Iterable[Fact] = (),
) -> Source:
    """Register the facts of one raw table (from the owning app's `AppConfig.ready`): an
    SQL text, or the table and its `Fact`s. `{where}` appears in every branch of the SQL;
    `{tz}` is replaced by the project's time zone."""
    tz = settings.TIME_ZONE
    facts = tuple(
        Fact(*(part.replace("{tz}", tz) for part in (f.day, f.figure, f.key, f.when)), f.names)
        for f in facts
    )
    if facts:
        sql = _facts_sql(table, facts)
    source = Source(name, sql.replace("{tz}", tz), changed_since, table, facts)
    SOURCES[name] = source
    return source


def _facts(source: str, where: str, figures: Iterable[str] | None = None) -> str:
    return SOURCES[source].sql_for(figures).replace("{where}", where)


# The cell that sums every day of a figure (a date no fact can have).
ALL_TIME = date(1, 1, 1)
_ALL_TIME_SQL = "DATE '0001-01-01'"
# The parent of an area path ("a/b/c/" -> "a/b/"; a province's is "").
PARENT_SQL = "regexp_replace({0}, '[^/]*/$', '')"


# Areas are six levels deep (province … grid): a path has one to six segments.
DEPTHS = range(6, 0, -1)
_DEPTH_SQL = "cardinality(string_to_array(rtrim({0}, '/'), '/'))"
# Day cells are kept for the province, cities and counties (depths 1–3); below, only the
# ALL_TIME cells, and day ranges are counted from the raw tables (`_raw_cells`).
DAY_DEPTH = 3


def path_depth(path: str) -> int:
    """The depth of an area path, which is its area's level: 3 for "22/2201/220102/"."""
    return path.count("/")


def has_day_cells(path: str) -> bool:
    return path_depth(path) <= DAY_DEPTH


def _rolled_up(cells_sql: str) -> str:
    """Cells `(day, area_path, figure, key, n)` at their own level -> the same cells at
    every ancestor level too, each for its day and for ALL_TIME, summed:
    `(day, area_path, parent_path, figure, key, n)`.

    Level by level, from the grids up: each level sums its own cells and the already
    summed cells of the level below (far fewer than the facts), rather than copying every
    cell to its six ancestors and grouping all copies at once."""
    ctes, below = [f"c AS ({cells_sql})"], None
    for depth in DEPTHS:
        level = (
            "SELECT day, area_path, figure, key, n FROM c "
            f"WHERE {_DEPTH_SQL.format('area_path')} = {depth}"
        )
        if below:
            level += (
                f" UNION ALL SELECT day, {PARENT_SQL.format('area_path')}, figure, key, n "
                f"FROM {below}"
            )
        ctes.append(
            f"l{depth} AS (SELECT day, area_path, figure, key, sum(n) AS n "
            f"FROM ({level}) AS s GROUP BY day, area_path, figure, key)"
        )
        below = f"l{depth}"
    by_day = " UNION ALL ".join(f"SELECT * FROM l{depth}" for depth in DEPTHS)
    kept = " UNION ALL ".join(f"SELECT * FROM l{depth}" for depth in DEPTHS if depth <= DAY_DEPTH)
    parent = PARENT_SQL.format("area_path")
    return f"""
        WITH {", ".join(ctes)}, by_day AS ({by_day})
        SELECT day, area_path, {parent} AS parent_path, figure, key, n FROM ({kept}) AS k
        UNION ALL
        SELECT {_ALL_TIME_SQL}, area_path, {parent}, figure, key, sum(n) FROM by_day
        GROUP BY area_path, figure, key"""


def _copied_up(cells_sql: str) -> str:
    """The same as `_rolled_up` for a handful of cells (one write's): each cell copied to
    its ancestors and to ALL_TIME, then summed — a statement far cheaper to plan than the
    level-by-level one, which pays off only over millions of cells."""
    return f"""
        SELECT d.day, a.path AS area_path, {PARENT_SQL.format("a.path")} AS parent_path,
            c.figure, c.key, sum(c.n) AS n
        FROM ({cells_sql}) AS c
        CROSS JOIN LATERAL (
            SELECT array_to_string(s.parts[1:i], '/') || '/' AS path, i AS depth
            FROM (SELECT string_to_array(rtrim(c.area_path, '/'), '/') AS parts) s,
                generate_series(1, cardinality(s.parts)) AS i
        ) AS a
        CROSS JOIN LATERAL (
            SELECT c.day WHERE a.depth <= {DAY_DEPTH} UNION ALL SELECT {_ALL_TIME_SQL}
        ) AS d (day)
        GROUP BY 1, 2, 3, 4, 5"""


def _apply(source: str, where: str, params: dict, sign: int, figures=None, bulk=False) -> None:
    only = "WHERE figure = ANY(%(figures)s)" if figures else ""
    cells = f"""SELECT day, area_path, figure, key, {int(sign)} * count(*) AS n
        FROM ({_facts(source, where)}) AS facts {only}
        GROUP BY day, area_path, figure, key"""
    if not bulk and not getattr(settings, "FIGURES_DRAIN_EAGER", False):
        # A write's cells go to the delta queue at their own level: a few rows appended,
        # nothing shared locked; the drain applies them at every level (`figures_drain`).
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {DELTA_TABLE} (day, area_path, figure, key, n) {cells}",
                {**params, "figures": list(figures or [])},
            )
        if not any(callback[1] is drain_schedule for callback in connection.run_on_commit):
            transaction.on_commit(drain_schedule, robust=True)
        return
    roll = _rolled_up if bulk else _copied_up
    # ORDER BY: concurrent writers lock the shared upper-level cells in one order, so two
    # reports of one county cannot deadlock on their county's and province's cells.
    sql = f"""
        INSERT INTO {TABLE} AS r (day, area_path, parent_path, figure, key, n)
        SELECT * FROM ({roll(cells)}) AS up ORDER BY area_path, figure, key, day
        ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = r.n + excluded.n"""
    with connection.cursor() as cur:
        cur.execute(sql, {**params, "figures": list(figures or [])})


def drain_schedule() -> None:
    """Queue a drain after the write's commit (one per transaction, none while one is
    already waiting: governance/coalesce.py; if the broker is down, beat drains every few
    seconds anyway)."""
    from .coalesce import queue_drain

    queue_drain(DRAIN_TASK)


def figures_drain() -> int:
    """Apply every pending delta to the rollups at every level and for all time, in one
    statement: the deltas are taken (deleted) and their sums upserted, in a fixed order;
    a cell whose deltas cancel out (a retract and a count of an unchanged fact) is not
    touched. Concurrent drains take disjoint deltas. Returns the number of cells written."""
    cells = "SELECT day, area_path, figure, key, sum(n) AS n FROM taken GROUP BY 1, 2, 3, 4"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""WITH taken AS (
                    DELETE FROM {DELTA_TABLE} RETURNING day, area_path, figure, key, n)
                INSERT INTO {TABLE} AS r (day, area_path, parent_path, figure, key, n)
                SELECT * FROM ({_copied_up(cells)}) AS up WHERE up.n <> 0
                ORDER BY area_path, figure, key, day
                ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = r.n + excluded.n"""
        )
        return cur.rowcount


def _drain_locked(cur) -> None:
    """Inside a transaction that compares or rebuilds the rollups: writers wait (their
    deltas and their raw rows are committed together, so the comparison sees both or
    neither) and what they queued before is applied first."""
    cur.execute(f"LOCK TABLE {DELTA_TABLE} IN SHARE ROW EXCLUSIVE MODE")
    cur.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
    figures_drain()


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


@contextmanager
def figures_changing(source: str, where: str, params: dict):
    """Around a set-based write of the rows matching `where` (on `t`): their cells before
    are kept aside, their cells after are compared with them, and only the net change is
    rolled up — a re-run that changes nothing (a warning rule over unchanged data) writes
    no cell, where a retract and a count would rewrite every cell twice."""
    cells = f"""SELECT day, area_path, figure, key, count(*) AS n
        FROM ({_facts(source, where)}) AS facts GROUP BY day, area_path, figure, key"""
    # Made once per transaction and emptied for each use, never dropped by a statement:
    # psycopg forgets every statement prepared on the connection when it sees a DROP, and
    # a Celery worker runs this for each risk rule. One table per source, with its types.
    before = f"figures_before_{re.sub(r'[^a-z0-9_]', '_', source.lower())}"
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {before} ON COMMIT DROP AS {cells} WITH NO DATA",
            params,
        )
        cur.execute(f"DELETE FROM {before}")
        cur.execute(f"INSERT INTO {before} {cells}", params)
    yield
    net = f"""SELECT day, area_path, figure, key, sum(n) AS n FROM (
            {cells}
            UNION ALL SELECT day, area_path, figure, key, -n FROM {before}) AS c
        GROUP BY day, area_path, figure, key HAVING sum(n) <> 0"""
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {TABLE} AS r (day, area_path, parent_path, figure, key, n)
            SELECT * FROM ({_rolled_up(net)}) AS up ORDER BY area_path, figure, key, day
            ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = r.n + excluded.n""",
            params,
        )


def figures_apply_where(source: str, where: str, params: dict, sign: int) -> None:
    """Set-based: count (+1) or retract (-1) every row matching `where` (on `t`)."""
    _apply(source, where, params, sign, bulk=True)


def figures_count_written_sql(source: str, rows: str) -> str:
    """An `INSERT … ON CONFLICT` that counts, at every level, the cells of the rows of
    `rows` — a CTE of the same statement holding the source table's rows as written (the
    RETURNING of a bulk merge, with the columns the source's facts read) — to be used as a
    data-modifying CTE of that statement: the rows are counted from what the write
    returned, not looked up again in the table after it (collection/importing/staging.py)."""
    cells = f"""SELECT day, area_path, figure, key, count(*) AS n
        FROM ({SOURCES[source].over(rows)}) AS facts
        GROUP BY day, area_path, figure, key"""
    return f"""INSERT INTO {TABLE} AS r (day, area_path, parent_path, figure, key, n)
        SELECT * FROM ({_rolled_up(cells)}) AS up ORDER BY area_path, figure, key, day
        ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = r.n + excluded.n"""


# -- reconciliation -----------------------------------------------------------------------


# The re-derivation groups every raw row of the province (millions of cells): with the
# default 4 MB of work_mem the hash spills gigabytes to disk. Only for that transaction.
_BIG_GROUP_BY = "SET LOCAL work_mem = '256MB'"


def _expected_sql() -> str:
    """Every cell as the raw tables say: grouped at the facts' own level first (the big
    GROUP BY), then rolled up (the already-grouped cells, far fewer)."""
    union = " UNION ALL ".join(f"({_facts(name, 'TRUE')})" for name in SOURCES)
    cells = f"""SELECT day, area_path, figure, key, count(*) AS n FROM ({union}) AS facts
        GROUP BY day, area_path, figure, key"""
    return _rolled_up(cells)


def figures_differences() -> list[tuple]:
    """(day, area_path, figure, key, rollup n, raw n) wherever the rollups disagree with a
    GROUP BY over the raw tables (a missing cell counts 0). Pending deltas are applied
    first, with writers held back meanwhile (`_drain_locked`)."""
    if not SOURCES:
        return []
    with transaction.atomic(), connection.cursor() as cur:
        _drain_locked(cur)
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

    with transaction.atomic():
        # Writers of counted rows wait: the comparison and the repair see one state.
        with connection.cursor() as cur:
            _drain_locked(cur)
        diffs = figures_differences()
        for d in diffs:
            log.warning("figures_reconcile: %s %s %s=%s rollup %s raw %s", *d)
        if repair and diffs:
            with connection.cursor() as cur:
                cur.executemany(
                    f"""INSERT INTO {TABLE} AS r (day, area_path, parent_path, figure, key, n)
                    VALUES (%s, %s, {PARENT_SQL.format("%s")}, %s, %s, %s)
                    ON CONFLICT (day, area_path, figure, key) DO UPDATE SET n = excluded.n""",
                    [(d[0], d[1], d[1], d[2], d[3], d[5]) for d in diffs],
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

    if not SOURCES:
        return 0
    with transaction.atomic(), connection.cursor() as cur:
        # Writers wait; what they queued before is part of the raw state derived here.
        cur.execute(f"LOCK TABLE {DELTA_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {DELTA_TABLE}")
        cur.execute(_BIG_GROUP_BY)
        cur.execute(f"DELETE FROM {TABLE}")
        cur.execute(
            f"INSERT INTO {TABLE} (day, area_path, parent_path, figure, key, n) "
            f"SELECT * FROM ({_expected_sql()}) AS expected"
        )
        return cur.rowcount


# -- reading ------------------------------------------------------------------------------


@contextmanager
def _cells_cursor():
    """A cursor for reading cells through the rollups' indexes. At province scale the
    planner misjudges these reads: half the table is ALL_TIME cells, and an area's day and
    all-time cells are far from independent, so it expects 10^5 rows where there are 10^2
    and scans the whole table in parallel — 1.3 s for what the index gives in 2 ms
    (docs/performance.md). These statements only ever want the index: the two settings
    are changed for them alone (`set_config(…, true)` lasts to the end of the transaction:
    the read's own, or the enclosing one, where they are put back after it)."""
    conn = read_connection()  # the primary, or the read replica (governance/replica.py)
    if conn.in_atomic_block:
        with conn.cursor() as cur:
            cur.execute(_INDEX_ONLY)
            before = cur.fetchone()[:2]
            try:
                yield cur
            finally:
                cur.execute(_SETTINGS_BACK, list(before))
    else:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:
            cur.execute(_INDEX_ONLY)
            yield cur


_INDEX_ONLY = (
    "SELECT current_setting('enable_seqscan'), "
    "current_setting('max_parallel_workers_per_gather'), "
    "set_config('enable_seqscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)
_SETTINGS_BACK = (
    "SELECT set_config('enable_seqscan', %s, true), "
    "set_config('max_parallel_workers_per_gather', %s, true)"
)


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


def _raw_cells(
    prefix: str,
    figures: Iterable[str] | None,
    *,
    since: date,
    until: date,
    group: str = "''",
    params: dict | None = None,
) -> list[tuple]:
    """Day-ranged cells of a subtree below `DAY_DEPTH` (which keeps no day cells), counted
    from the raw tables: every source's facts under `prefix` on the days `since`..`until`,
    `figures` only if given, grouped by the SQL `group` over the fact `f` (a child's code,
    the day, an area's path) -> [(group, figure, key, n)]. The subtree is a township's at
    most: an index range on `area_path` of a few thousand rows at province scale."""
    figures = None if figures is None else list(figures)
    where = "t.area_path LIKE %(raw_prefix)s"
    union = " UNION ALL ".join(
        "("
        + _facts(name, where + (f" AND {src.changed_since}" if src.changed_since else ""), figures)
        + ")"
        for name, src in SOURCES.items()
    )
    if not union or figures == []:
        return []
    only = "AND f.figure = ANY(%(raw_figures)s)" if figures is not None else ""
    with read_connection().cursor() as cur:
        cur.execute(
            f"""SELECT {group}, f.figure, f.key, count(*)
                FROM ({union}) AS f (day, area_path, figure, key)
                WHERE f.day BETWEEN %(raw_since)s AND %(raw_until)s {only}
                GROUP BY 1, 2, 3""",
            {
                **(params or {}),
                "raw_prefix": _like_prefix(prefix),
                "raw_figures": figures or [],
                "raw_since": since,
                "raw_since_ts": _day_start(since),
                "raw_until": until,
            },
        )
        return cur.fetchall()


def _day_start(day: date):
    """The first instant of `day` in the project's time zone (the facts' days are local)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def cells_read(
    path: str,
    *,
    level: int,
    today: date | None = None,
    figures: Iterable[str] | None = None,
    today_figures: Iterable[str] | None = None,
) -> tuple[Cells, dict[str, Cells]]:
    """The cells of the area at `path` (of `level`), in total (and `today`, if given), and
    the same split by child (the code one level down; a grid has no children) — the area's
    own cells and its children's, `figures` only if given. One query on the rollups; where
    the children keep no day cells (a county and below), today's counts come from the raw
    tables, for `today_figures` only if given (those a reader reads for today)."""
    figures = None if figures is None else list(figures)
    children_have_days = today is not None and level < DAY_DEPTH
    whole, children = Cells(), defaultdict(Cells)
    with _cells_cursor() as cur:
        cur.execute(
            f"""SELECT CASE WHEN area_path = %(path)s THEN ''
                        ELSE split_part(area_path, '/', %(child)s) END,
                    figure, key, sum(n) FILTER (WHERE day = {_ALL_TIME_SQL}),
                    sum(n) FILTER (WHERE day = %(today)s)
                FROM {TABLE}
                WHERE (area_path = %(path)s OR parent_path = %(path)s)
                  AND day IN ({_ALL_TIME_SQL}, %(today)s)
                  AND (%(all)s OR figure = ANY(%(figures)s))
                GROUP BY 1, 2, 3""",
            {
                "child": level + 1,
                "today": today if children_have_days else ALL_TIME,
                "path": path,
                "all": figures is None,
                "figures": figures or [],
            },
        )
        for child, figure, key, n, n_today in cur.fetchall():
            cells = children[child] if child else whole
            cells.total[(figure, key)] += n or 0
            if children_have_days:
                cells.today[(figure, key)] += n_today or 0
    if today is not None and not children_have_days:
        rows = _raw_cells(
            path,
            figures if today_figures is None else list(today_figures),
            since=today,
            until=today,
            group="split_part(f.area_path, '/', %(child)s)",
            params={"child": level + 1},
        )
        for child, figure, key, n in rows:
            whole.today[(figure, key)] += n
            if child:
                children[child].today[(figure, key)] += n
    return whole, dict(children)


def _days(since: date | None, until: date | None) -> tuple[date, date]:
    return max(since or date(1, 1, 2), date(1, 1, 2)), until or date(9999, 12, 31)


def figures_read(
    path: str, figures: Iterable[str], *, since: date | None = None, until: date | None = None
) -> Cells:
    """One query: the cells of `figures` (every key) of the area at `path`, summed over
    the days `since`..`until` (inclusive), or over all time (the ALL_TIME cells) when
    neither is given. `Cells.today` stays empty."""
    return figures_read_many([path], figures, since=since, until=until)[path]


def figures_read_many(
    paths: Iterable[str],
    figures: Iterable[str],
    *,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Cells]:
    """`figures_read` for many areas at once: one query on the rollups for every area that
    keeps the cells asked for, one on the raw tables per depth for day ranges below
    `DAY_DEPTH` (docs/cockpit.md)."""
    figures = list(figures)
    cells = {p: Cells() for p in paths}
    all_time = since is None and until is None
    rolled = [p for p in cells if all_time or has_day_cells(p)]
    if rolled:
        if all_time:
            days, params = f"day = {_ALL_TIME_SQL}", {}
        else:
            days = "day BETWEEN %(since)s AND %(until)s"
            params = dict(zip(("since", "until"), _days(since, until), strict=True))
        with _cells_cursor() as cur:
            cur.execute(
                f"""SELECT area_path, figure, key, sum(n) FROM {TABLE}
                    WHERE area_path = ANY(%(paths)s) AND figure = ANY(%(figures)s) AND {days}
                    GROUP BY 1, 2, 3""",
                {"paths": rolled, "figures": figures, **params},
            )
            for path, figure, key, n in cur.fetchall():
                cells[path].total[(figure, key)] += int(n)
    by_depth: dict[int, list[str]] = defaultdict(list)
    for p in cells:
        if p not in rolled:
            by_depth[path_depth(p)].append(p)
    for depth, group in by_depth.items():
        common = os.path.commonprefix(group)
        since_day, until_day = _days(since, until)
        rows = _raw_cells(
            common[: common.rfind("/") + 1],  # the deepest common ancestor
            figures,
            since=since_day,
            until=until_day,
            group="array_to_string((string_to_array(f.area_path, '/'))[1:%(depth)s], '/') || '/'",
            params={"depth": depth},
        )
        for path, figure, key, n in rows:
            if path in cells:
                cells[path].total[(figure, key)] += n
    return cells


def series_read(
    path: str, figures: Iterable[str], *, since: date, until: date
) -> dict[date, Cells]:
    """The cells of `figures` of the area at `path`, day by day from `since` to `until`
    (inclusive): one query on the rollups, or on the raw tables below `DAY_DEPTH`. A day
    without a cell is absent (read it as zero)."""
    figures = list(figures)
    since = max(since, date(1, 1, 2))
    days: dict[date, Cells] = defaultdict(Cells)
    if has_day_cells(path):
        with _cells_cursor() as cur:
            cur.execute(
                f"""SELECT day, figure, key, sum(n) FROM {TABLE}
                    WHERE area_path = %(path)s AND figure = ANY(%(figures)s)
                      AND day BETWEEN %(since)s AND %(until)s
                    GROUP BY 1, 2, 3""",
                {"path": path, "figures": figures, "since": since, "until": until},
            )
            rows = cur.fetchall()
    else:
        rows = _raw_cells(path, figures, since=since, until=until, group="f.day")
    for day, figure, key, n in rows:
        days[day].total[(figure, key)] += n
    return dict(days)


def figures_top_keys(path: str, first: str, second: str, *, limit: int) -> list[tuple]:
    """The keys of the area's all-time cells of `first` and `second` (e.g. the holding
    units of its overdue and near-due cases) ranked by (first, second) descending, with
    every key tied at the `limit`-th place: [(key, n first, n second)]. One statement: a
    province holds thousands of keys, of which a panel shows ten."""
    with _cells_cursor() as cur:
        cur.execute(
            f"""WITH k AS (
                    SELECT key, COALESCE(sum(n) FILTER (WHERE figure = %(first)s), 0) AS a,
                        COALESCE(sum(n) FILTER (WHERE figure = %(second)s), 0) AS b
                    FROM {TABLE}
                    WHERE area_path = %(path)s AND figure IN (%(first)s, %(second)s)
                      AND day = {_ALL_TIME_SQL}
                    GROUP BY key),
                r AS (SELECT key, a, b, rank() OVER (ORDER BY a DESC, b DESC) AS place
                    FROM k WHERE a <> 0 OR b <> 0)
                SELECT key, a, b FROM r WHERE place <= %(limit)s""",
            {"path": path, "first": first, "second": second, "limit": limit},
        )
        return [(key, int(a), int(b)) for key, a, b in cur.fetchall()]


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


class CellRecorder(Cells):
    """Cells that note which cell figures a formula reads, and which of them for today
    (and answer 0)."""

    def __init__(self):
        super().__init__()
        self.read: set[str] = set()
        self.read_today: set[str] = set()

    def sum(self, figure: str, *, today: bool = False, **_kw) -> int:
        self.read.add(figure)
        if today:
            self.read_today.add(figure)
        return 0


def figure_inputs(names: Iterable[str]) -> list[str]:
    """The cell figures the named figures' formulas read — what a reader of those named
    figures must fetch (formulas read the same cells whatever the counts are)."""
    recorder = CellRecorder()
    for name in names:
        FIGURES[name].formula(recorder)
    return sorted(recorder.read)
