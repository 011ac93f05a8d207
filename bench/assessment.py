"""Benchmark: computing an assessment scheme of 20 indicators for every village and every
township of the province, beside one hand-written SQL statement computing the same scores
in the same run.

Usage (from the project root, on the whole-province bench database, see bench/README.md;
the generated cases of bench/cockpit.py must be there — run it first):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/assessment.py [--samples 3]

Before running, make sure nothing else works on the bench database (no bench/cockpit.py
or bench/risk.py running).

Setup, once (reused): the 20 rules and the indicator system `TREE` (four branches of five
leaves, every rule kind, a veto in branch B) named `基准考核…`, through the services; two
schemes of the current year over the province: its villages (level 5) and its townships
(level 4). The leaves read named figures of the events (governance/figures.py): below the
county the rollups keep no day cells, so `figures_read_many` counts the year from the raw
table (one statement per object level).

Per scheme, interleaved, --samples times:
  (1) `scheme_compute` — the whole computation as the Celery task runs it: the objects,
      the inputs (one raw-facts statement), the rules over all objects at once, the tree,
      ranks, and the write of the revision (a result per object with the inputs its
      leaves read, a score per object × node: points, value, rule version, rank, veto),
      the unpublished previous revision replaced, committed;
  (2) `inputs_read` alone — the read part of (1);
  (3) the hand-written SQL (`hand_sql`): one statement from events_event to every
      object's total and rank (figures, rules, veto, sums), psycopg, nothing written;
  (4) the same SQL writing what it computed (`hand_write_sql`): the lean reference of
      docs/performance.md — its previous rows truncated, then one INSERT … SELECT of a
      total and rank per object and points, value, rank and veto per object × node into
      two tables with only a primary key each (`LEAN_DDL`), committed.
The aim (≤ 2×) is judged against (4): it does the same job as (1) — scores computed and
stored — with nothing but the tables' primary keys; (3) shows what the write costs.
The totals of (1) and (3) are compared object by object (they differ only where SQL's
round-half-up and Python's round-half-even part on a percentage; reported).

Prints Markdown (progress on stderr). Refuses to run on a database whose name lacks
"bench". --drop removes the bench schemes, system, rules and lean tables and exits."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from common import (
    TimedRow,
    bench_database,
    bench_province,
    django_setup,
    fmt,
    host_info,
    md_table,
    pg_connect,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

clock = time.perf_counter_ns
PREFIX = "基准考核"
SYSTEM = f"{PREFIX}指标体系(20项)"
TZ = "Asia/Shanghai"


def _bands(*pairs, direction="higher"):
    return {"direction": direction, "bands": [{"bound": b, "ratio": r} for b, r in pairs]}


def _lin(low, high, direction="higher"):
    return {"low": low, "high": high, "direction": direction}


def _rank(direction="higher"):
    return {
        "direction": direction,
        "tiers": [{"top_pct": 20, "ratio": 1}, {"top_pct": 50, "ratio": 0.8}],
        "rest": 0.5,
    }


ON_TIME = _bands((95, 1), (85, 0.7), (70, 0.4))
OVERDUE = _bands((5, 1), (15, 0.6), (30, 0.3), direction="lower")
# (code, name, parent, weight, figure, rule kind, params). Top nodes have no figure.
TREE = [
    ("A", "办理效能", "", 40, "", "", None),
    ("A1", "办结率", "A", 20, "events.closure_rate", "linear", _lin(60, 100)),
    ("A2", "按期办结率", "A", 20, "events.on_time_rate", "bands", ON_TIME),
    ("A3", "超期率", "A", 20, "events.overdue_rate", "linear", _lin(0, 30, "lower")),
    ("A4", "超期件数", "A", 20, "events.overdue", "deduction", {"per": 0.5, "floor": 0}),
    ("A5", "临期件数", "A", 20, "events.near_due", "deduction", {"per": 0.2, "floor": 0}),
    ("B", "群众满意", "", 25, "", "", None),
    ("B1", "满意率", "B", 30, "events.satisfaction", "bands", _bands((90, 1), (80, .8), (60, .5))),
    ("B2", "平均评分", "B", 30, "events.rating_mean", "linear", _lin(3, 5)),
    ("B3", "满意率排名", "B", 20, "events.satisfaction", "rank", _rank()),
    ("B4", "核查通过", "B", 20, "events.verified", "bonus", {"per": 0.1, "cap": 5}),
    ("B5", "超期否决", "B", 0, "events.overdue_rate", "veto", {"threshold": 50}),
    ("C", "工作量", "", 20, "", "", None),
    ("C1", "事件总数", "C", 20, "events.total", "bonus", {"per": 0.05, "cap": 4}),
    ("C2", "办结件数", "C", 20, "events.closed", "bonus", {"per": 0.05, "cap": 4}),
    ("C3", "在办件数", "C", 20, "events.open", "deduction", {"per": 0.1, "floor": 0}),
    ("C4", "办结数排名", "C", 20, "events.closed", "rank", _rank()),
    ("C5", "临期件数线性", "C", 20, "events.near_due", "linear", _lin(0, 20, "lower")),
    ("D", "综合", "", 15, "", "", None),
    ("D1", "办结率排名", "D", 20, "events.closure_rate", "rank", _rank()),
    ("D2", "按期率线性", "D", 20, "events.on_time_rate", "linear", _lin(50, 100)),
    ("D3", "超期率分档", "D", 20, "events.overdue_rate", "bands", OVERDUE),
    ("D4", "评分分档", "D", 20, "events.rating_mean", "bands", _bands((4.5, 1), (4, .7), (3, .4))),
    ("D5", "核查件数线性", "D", 20, "events.verified", "linear", _lin(0, 50)),
]  # fmt: skip
TOTAL = 100.0

# -- the hand-written statement ----------------------------------------------------------


# The figures, as events/figures.py defines them, per object (the object's path prefix of
# each case's grid path), over the period: counted on the day reported / closed / verified.
def _day_in(column: str) -> str:
    return f"(e.{column} AT TIME ZONE '{TZ}')::date BETWEEN %(since)s AND %(until)s"


_RD = _day_in("reported_at")
_CD = f"e.closed_at IS NOT NULL AND {_day_in('closed_at')}"
_VD = f"e.verified_at IS NOT NULL AND {_day_in('verified_at')}"
_OPEN = "('reported', 'accepted', 'dispatched', 'handling', 'closed')"
_DONE = "('closed', 'verified', 'archived')"
FIGURES_SQL = f"""
SELECT array_to_string((string_to_array(e.area_path, '/'))[1:%(level)s], '/') || '/' AS path,
  count(*) FILTER (WHERE {_RD} AND e.status <> 'merged') AS total,
  count(*) FILTER (WHERE {_RD} AND e.status IN {_OPEN}) AS open,
  count(*) FILTER (WHERE {_RD} AND e.status IN {_OPEN} AND e.due_state = 'overdue') AS overdue,
  count(*) FILTER (WHERE {_RD} AND e.status IN {_OPEN} AND e.due_state = 'near_due') AS near_due,
  count(*) FILTER (WHERE {_RD} AND e.status IN {_DONE}) AS done,
  count(*) FILTER (WHERE {_RD} AND e.status NOT IN ('merged', 'rejected')) AS accepted,
  count(*) FILTER (WHERE {_CD} AND e.status IN {_DONE}) AS closed,
  count(*) FILTER (WHERE {_CD} AND e.status IN {_DONE} AND e.closed_at > e.deadline) AS late,
  count(*) FILTER (WHERE {_CD} AND e.rating IS NOT NULL) AS rated,
  count(*) FILTER (WHERE {_CD} AND e.rating >= 4) AS rated45,
  coalesce(sum(e.rating) FILTER (WHERE {_CD}), 0) AS rating_sum,
  count(*) FILTER (WHERE {_VD} AND e.status IN {_DONE}) AS verified
FROM events_event e
WHERE e.area_path LIKE %(prefix)s
GROUP BY 1"""


def _pct(a: str, b: str) -> str:
    return f"CASE WHEN {b} > 0 THEN round((100.0 * ({a}) / {b})::numeric, 1) ELSE 0 END"


VALUES = {
    "events.total": "total",
    "events.open": "open",
    "events.overdue": "overdue",
    "events.near_due": "near_due",
    "events.closed": "closed",
    "events.verified": "verified",
    "events.overdue_rate": _pct("overdue", "open"),
    "events.closure_rate": _pct("done", "accepted"),
    "events.on_time_rate": _pct("closed - late", "closed"),
    "events.satisfaction": _pct("rated45", "rated"),
    "events.rating_mean": "CASE WHEN rated > 0 THEN round((1.0 * rating_sum / rated)::numeric, 2)"
    " ELSE 0 END",
}


def _leaf_sql(code: str, kind: str, p: dict, full: float) -> str:
    """The points of one leaf from its value column `v_<code>` (and `r_<code>`, its rank)."""
    v = f"v_{code}"
    if kind == "linear":
        share = f"LEAST(GREATEST(({v} - {p['low']}) / ({p['high']} - {p['low']}.0), 0), 1)"
        share = f"(1 - {share})" if p.get("direction") == "lower" else share
        return f"{full} * {share}"
    if kind == "bands":
        op = "<=" if p["direction"] == "lower" else ">="
        whens = " ".join(
            f"WHEN {v} {op} {b['bound']} THEN {full} * {b['ratio']}" for b in p["bands"]
        )
        return f"CASE {whens} ELSE 0 END"
    if kind == "deduction":
        return f"LEAST(GREATEST({full} - {p['per']} * {v}, {p['floor']}), {full})"
    if kind == "bonus":
        return f"LEAST({p['per']} * GREATEST({v}, 0), {p['cap']}, {full})"
    if kind == "rank":
        whens = " ".join(
            f"WHEN r_{code} <= ceil(n * {t['top_pct']} / 100.0) THEN {full} * {t['ratio']}"
            for t in p["tiers"]
        )
        return f"CASE {whens} ELSE {full} * {p['rest']} END"
    raise ValueError(kind)


def _tops() -> list[str]:
    return [r[0] for r in TREE if not r[2]]


def _hand_ctes() -> str:
    """Objects (every area of the level under the prefix, with or without cases) → their
    figures → every leaf's points (`p_<code>`) → branches (`b_<top>`, a veto zeroes its
    branch: `x_<top>`) and the total, in CTE `t`, one row per object."""
    leaves = [r for r in TREE if r[4]]
    full = _full_marks()
    values = ",\n  ".join(
        f"{VALUES[fig]}::float AS v_{code}" for code, _n, _p, _w, fig, *_ in leaves
    )
    ranks = ",\n  ".join(
        f"rank() OVER (ORDER BY v_{code} {'ASC' if p.get('direction') == 'lower' else 'DESC'})"
        f" AS r_{code}"
        for code, _n, _par, _w, _f, kind, p in leaves
        if kind == "rank"
    )
    points = ",\n  ".join(
        f"{_leaf_sql(code, kind, p, full[code])} AS p_{code}"
        for code, _n, _par, _w, _f, kind, p in leaves
        if kind != "veto"
    )
    branches = []
    for top in _tops():
        kids = [r for r in leaves if r[2] == top]
        total = " + ".join(f"p_{r[0]}" for r in kids if r[5] != "veto")
        vetoes = " OR ".join(f"v_{r[0]} >= {r[6]['threshold']}" for r in kids if r[5] == "veto")
        branches.append(
            f"({vetoes or 'false'}) AS x_{top}, "
            + (f"CASE WHEN {vetoes} THEN 0 ELSE {total} END" if vetoes else total)
            + f" AS b_{top}"
        )
    return f"""
WITH obj AS (
  SELECT a.code, a.path FROM grids_area a WHERE a.level = %(level)s AND a.path LIKE %(prefix)s),
f AS ({FIGURES_SQL}),
z AS (
  SELECT obj.code, coalesce(f.total, 0) AS total,
    coalesce(f.open, 0) AS open,
    coalesce(f.overdue, 0) AS overdue,
    coalesce(f.near_due, 0) AS near_due,
    coalesce(f.done, 0) AS done,
    coalesce(f.accepted, 0) AS accepted,
    coalesce(f.closed, 0) AS closed,
    coalesce(f.late, 0) AS late,
    coalesce(f.rated, 0) AS rated,
    coalesce(f.rated45, 0) AS rated45,
    coalesce(f.rating_sum, 0) AS rating_sum,
    coalesce(f.verified, 0) AS verified
  FROM obj LEFT JOIN f ON f.path = obj.path),
v AS (
  SELECT z.code,
  {values}
  FROM z),
r AS (SELECT v.*, count(*) OVER () AS n,
  {ranks}
  FROM v),
p AS (SELECT r.*,
  {points}
  FROM r),
b AS (SELECT p.*, {", ".join(branches)} FROM p),
t AS (SELECT b.*, {" + ".join(f"b_{top}" for top in _tops())} AS total FROM b)"""


def hand_sql() -> str:
    """Every object's total and rank (`_hand_ctes`), read; nothing written."""
    return f"""{_hand_ctes()}
SELECT code, round(total::numeric, 2)::float AS total,
       rank() OVER (ORDER BY round(total::numeric, 2) DESC) AS rank
FROM t"""


# The lean reference's tables: the same scores the computation stores (a total and rank per
# object, points, input value, rank and veto per object × node), only a primary key each.
LEAN_RESULT, LEAN_SCORE = "bench_assessment_lean_result", "bench_assessment_lean_score"
LEAN_DDL = f"""
CREATE {{temp}} TABLE IF NOT EXISTS {LEAN_RESULT} (
  code varchar(32) PRIMARY KEY, total float8 NOT NULL, rank integer NOT NULL);
CREATE {{temp}} TABLE IF NOT EXISTS {LEAN_SCORE} (
  code varchar(32), node varchar(32), score float8 NOT NULL, value float8, rank integer,
  veto boolean NOT NULL, PRIMARY KEY (code, node))"""


def lean_tables(pg, *, temporary: bool = False) -> None:
    """The lean tables, created if missing and emptied."""
    for statement in LEAN_DDL.format(temp="TEMPORARY" if temporary else "").split(";"):
        pg.execute(statement)
    pg.execute(f"TRUNCATE {LEAN_RESULT}, {LEAN_SCORE}")


def hand_write_sql() -> str:
    """The same computation as `hand_sql`, its totals and every object × node's points
    written with INSERT … SELECT into the lean tables (one statement)."""
    rows = []
    for code, _n, parent, _w, _fig, kind, p in TREE:
        if not parent:
            rows.append(f"('{code}', b_{code}, NULL::float, NULL::int, x_{code})")
            continue
        points = "0.0" if kind == "veto" else f"p_{code}"
        rank = f"r_{code}" if kind == "rank" else "NULL"
        veto = f"v_{code} >= {p['threshold']}" if kind == "veto" else "false"
        rows.append(f"('{code}', {points}, v_{code}, {rank}, {veto})")
    values = ",\n  ".join(rows)
    return f"""{_hand_ctes()},
res AS (
  INSERT INTO {LEAN_RESULT} (code, total, rank)
  SELECT code, round(total::numeric, 2)::float,
         rank() OVER (ORDER BY round(total::numeric, 2) DESC)
  FROM t)
INSERT INTO {LEAN_SCORE} (code, node, score, value, rank, veto)
SELECT t.code, x.node, round(x.score::numeric, 2)::float, x.value, x.rank, x.veto
FROM t CROSS JOIN LATERAL (VALUES
  {values}) AS x(node, score, value, rank, veto)"""


def _full_marks() -> dict[str, float]:
    tops = {r[0]: TOTAL * r[3] / 100 for r in TREE if not r[2]}
    out = dict(tops)
    for code, _n, parent, weight, _fig, kind, _p in TREE:
        if parent:
            out[code] = 0.0 if kind == "veto" else round(tops[parent] * weight / 100, 4)
    return out


# -- setup ------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=3, help="interleaved runs per contender")
    p.add_argument("--drop", action="store_true", help="remove the bench schemes and exit")
    return p.parse_args(argv)


def system_ensure():
    from assessment.models import IndicatorSystem, Rule
    from assessment.services import indicator_system_create, rule_create

    system = IndicatorSystem.objects.filter(name=SYSTEM).first()
    if system is not None:
        return system
    rows = []
    for code, name, parent, weight, figure, kind, params in TREE:
        row = {"code": code, "name": name, "parent": parent, "weight": weight}
        if figure:
            rule = f"{PREFIX}·{code}{name}"
            if not Rule.objects.filter(name=rule).exists():
                rule_create(actor=None, name=rule, kind=kind, params=params)
            row |= {"source": "figure", "figure": figure, "rule": rule, "kind": "result"}
        rows.append(row)
    return indicator_system_create(actor=None, name=SYSTEM, rows=rows)


def schemes_ensure(system, province, today) -> list:
    from assessment.models import Scheme
    from assessment.services import scheme_create

    out = []
    for level, label in [(5, "村(社区)"), (4, "乡镇(街道)")]:
        name = f"{PREFIX}·{label}·{today.year}"
        scheme = Scheme.objects.filter(name=name, system=system).first()
        if scheme is None:
            log(f"creating scheme {name} ...")
            scheme = scheme_create(
                actor=None,
                name=name,
                system=system,
                area=province,
                period_kind="year",
                period_start=today,
                object_level=level,
            )
        out.append(scheme)
    return out


def drop() -> None:
    from django.db import connection, transaction

    from assessment.models import IndicatorSystem, Rule, RuleVersion, Scheme

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {LEAN_RESULT}, {LEAN_SCORE}")
        Scheme.objects.filter(name__startswith=PREFIX).delete()
        IndicatorSystem.objects.filter(name=SYSTEM).delete()
        rules = Rule.objects.filter(name__startswith=PREFIX)
        rules.update(version=None)
        RuleVersion.objects.filter(rule__in=rules).delete()
        rules.delete()


# -- measuring --------------------------------------------------------------------------


def measure(args, pg, scheme) -> dict:
    from assessment.compute import inputs_read, scheme_compute
    from assessment.objects import scheme_objects

    figures = sorted({r[4] for r in TREE if r[4]})
    params = {
        "level": scheme.object_level,
        "prefix": scheme.area_path + "%",
        "since": scheme.period_start,
        "until": scheme.period_end,
    }
    sql, write_sql = hand_sql(), hand_write_sql()
    pg.execute("SET statement_timeout = 600000")
    lean_tables(pg)
    compute, read, hand = TimedRow("compute"), TimedRow("read"), TimedRow("hand")
    hand_write = TimedRow("hand_write")
    revision = hand_rows = None
    for i in range(args.samples):
        log(f"  sample {i + 1}/{args.samples}: scheme_compute ...")
        t0 = clock()
        revision = scheme_compute(actor=None, scheme=scheme)
        compute.lat_ns.append(clock() - t0)
        log("    inputs_read ...")
        t0 = clock()
        objects = scheme_objects(scheme)
        inputs_read(objects, figures, since=scheme.period_start, until=scheme.period_end)
        read.lat_ns.append(clock() - t0)
        log("    hand-written SQL ...")
        t0 = clock()
        hand_rows = pg.execute(sql, params).fetchall()
        hand.lat_ns.append(clock() - t0)
        log("    hand-written SQL writing its scores ...")
        t0 = clock()
        with pg.transaction():  # its previous rows replaced, committed like the revision
            pg.execute(f"TRUNCATE {LEAN_RESULT}, {LEAN_SCORE}")
            pg.execute(write_sql, params)
        hand_write.lat_ns.append(clock() - t0)
    ours = dict(revision.results.values_list("object_code", "score"))
    ranks = dict(revision.results.values_list("object_code", "rank"))
    theirs = {code: (total, rank) for code, total, rank in hand_rows}
    diffs = [abs(ours[c] - theirs[c][0]) for c in ours if c in theirs]
    written = pg.execute(f"SELECT count(*) FROM {LEAN_SCORE}").fetchone()[0]
    return {
        "scheme": scheme,
        "objects": len(ours),
        "scores": revision.results.count() * len(TREE),
        "compute": compute,
        "read": read,
        "hand": hand,
        "hand_write": hand_write,
        "lean_scores": written,
        "same_objects": set(ours) == set(theirs),
        "differ": sum(d > 0.011 for d in diffs),
        "max_diff": max(diffs, default=0.0),
        "same_rank": sum(ranks[c] == theirs[c][1] for c in ours if c in theirs),
        "top": revision.results.order_by("rank", "object_code").values_list("object_name", "score")[
            :1
        ][0],
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    django_setup(request_log_level=40)
    from django.conf import settings
    from django.utils import timezone

    db = bench_database(settings, " (bench/README.md)")
    pg = pg_connect(db)
    if args.drop:
        drop()
        log("bench schemes removed")
        return 0
    province = bench_province()
    out: dict = {"host": host_info(pg)}
    out["events"] = pg.execute("SELECT count(*) FROM events_event").fetchone()[0]
    if out["events"] < 100_000:
        sys.exit("few events: generate the bench data with bench/cockpit.py first")
    system = system_ensure()
    schemes = schemes_ensure(system, province, timezone.localdate())
    out["runs"] = []
    for scheme in schemes:
        log(f"{scheme.name} ...")
        out["runs"].append(measure(args, pg, scheme))
    print_report(args, out)
    return 0


def print_report(args, out) -> None:
    h = out["host"]
    print("## bench/assessment.py\n")
    print(f"- {h['cpu']}; {h['os']}\n- {h['postgres']}\n- {h['python']}")
    print(f"- events_event {out['events']:,}; 20 indicators (`TREE`); --samples {args.samples}\n")
    rows = []
    for r in out["runs"]:
        c, rd, hd, hw = (r[k].pct(50) / 1e3 for k in ("compute", "read", "hand", "hand_write"))
        rows.append(
            [
                r["scheme"].name,
                f"{r['objects']:,}",
                f"{r['scores']:,}",
                fmt(c, 2),
                fmt(rd, 2),
                fmt(c - rd, 2),
                fmt(hd, 2),
                fmt(hw, 2),
                fmt(c / hd, 2),
                fmt(c / hw, 2),
                fmt(rd / hd, 2),
                f"{r['differ']} (max {r['max_diff']:.2f}); ranks equal {r['same_rank']:,}",
            ]
        )
    print("### Whole-province computation (s, p50)\n")
    print(
        md_table(
            [
                "scheme",
                "objects",
                "scores written",
                "scheme_compute",
                "of which inputs_read",
                "rules, tree, write",
                "SQL (read)",
                "SQL + lean write",
                "compute ÷ SQL (read)",
                "compute ÷ SQL + write",
                "read ÷ SQL",
                "totals differing > 0.01",
            ],
            "lrrrrrrrrrrl",
            rows,
        )
    )
    print()
    for r in out["runs"]:
        pairs = zip(r["compute"].lat_ns, r["hand_write"].lat_ns, strict=True)
        ratios = ", ".join(fmt(c / w, 2) for c, w in pairs)
        best = min(r["compute"].lat_ns) / min(r["hand_write"].lat_ns)
        print(
            f"- {r['scheme'].name}: the lean reference wrote {r['lean_scores']:,} scores; "
            f"compute ÷ SQL + write sample by sample {ratios}; best ÷ best {fmt(best, 2)}"
        )
    print()


if __name__ == "__main__":
    sys.exit(main())
