"""Benchmark: evaluating the warning rules for the whole province, beside one hand-written
SQL statement per rule measured in the same run; re-evaluating a single subject.

Usage (from the project root, on the whole-province bench database, see bench/README.md;
the generated cases and people of bench/cockpit.py must be there — run it first):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/risk.py [--samples 5] [--single 30]

Before running, make sure nothing else works on the bench database:
`psql … -d gridgov_bench -c "select count(*) from pg_stat_activity where datname=
'gridgov_bench' and state<>'idle'"` must say 1 (the psql itself).

Five active rules (`RULES`: people ×2, places, grids, events), created once as rules named
`基准…` through `risk.services.rule_create` and reused. For each rule, interleaved:
  - (1) `rule_evaluate` — the whole run as Celery beat does it: the one scoring statement
    into a temporary table, the set-based close/upsert of warnings and their log, the
    figures; first run (issues every warning) reported apart, then --samples repeated runs
    (steady state: unchanged data writes nothing);
  - (2) the generated scoring statement alone (`scores_sql`), psycopg, no writes;
  - (3) a hand-written SQL statement giving the same subjects and scores, psycopg.
  The counts agree: subjects coloured by (3) = open warnings of the rule after (1).
Then single-subject re-evaluation (`rule_evaluate(rule, only=[id])`, as the outbox
subscriber does after a write) for --single random subjects of each rule, and of all the
person rules at once (`subjects_reevaluate`).

Prints Markdown (progress on stderr). Refuses to run on a database whose name lacks
"bench". --drop removes the bench rules and their warnings and exits."""

from __future__ import annotations

import argparse
import random
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
PREFIX = "基准"
TZ = "Asia/Shanghai"
TODAY = f"(now() AT TIME ZONE '{TZ}')::date"
COUNTED = "e.status NOT IN ('pending_review', 'merged', 'rejected')"
OPEN_EVENT = "('reported', 'accepted', 'dispatched', 'handling', 'closed')"


def _th(red, orange, yellow, blue, green):
    return {"red": red, "orange": orange, "yellow": yellow, "blue": blue, "green": green}


# name → (subject kind, factors, thresholds, hand-written statement: (id, score) of every
# subject with a score ≥ green).
RULES = {
    f"{PREFIX}重点人员": (
        "person",
        [
            {"code": "tag", "weight": 10},
            {"code": "mental_risk", "weight": 5},
            {"code": "missed_visits", "weight": 5},
        ],
        _th(50, 40, 30, 20, 10),
        f"""
SELECT t.person_id AS id, 10 * count(*)
  + 5 * COALESCE(max(CASE WHEN t.tag = 'mental' AND t.extra->>'risk_level' ~ '^[0-5]$'
                          THEN (t.extra->>'risk_level')::float END), 0)
  + 5 * COALESCE(max(CASE WHEN t.visit_every_days > 0 THEN GREATEST(0, floor(({TODAY}
        - COALESCE((lv.last AT TIME ZONE '{TZ}')::date, t.start_date,
                   (p.created_at AT TIME ZONE '{TZ}')::date))::float
        / t.visit_every_days)) END), 0) AS score
FROM collection_persontag t
JOIN collection_person p ON p.id = t.person_id
LEFT JOIN (SELECT vp.person_id, max(v.visited_at) AS last FROM collection_visit_people vp
           JOIN collection_visit v ON v.id = vp.visit_id GROUP BY 1) lv
       ON lv.person_id = t.person_id
WHERE t.end_date IS NULL
GROUP BY t.person_id""",
    ),
    f"{PREFIX}刑释与信访": (
        "person",
        [
            {"code": "since_release", "weight": 40, "params": {"days": 365}},
            {"code": "petitions", "weight": 10, "params": {"days": 180}},
        ],
        _th(50, 40, 30, 20, 10),
        f"""
SELECT t.person_id AS id,
  40 * COALESCE(max(CASE WHEN t.tag IN ('released', 'correction') AND d.d IS NOT NULL
        AND d.d <= {TODAY} AND d.d > {TODAY} - 365
        THEN GREATEST(0, 1 - ({TODAY} - d.d)::float / 365) END), 0)
  + 10 * COALESCE(max(CASE WHEN t.tag = 'petition'
        AND t.extra->>'last_date' ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}$'
        AND (t.extra->>'last_date')::date >= {TODAY} - 180
        THEN CASE WHEN t.extra->>'petition_count' ~ '^[0-9]{{1,6}}$'
                  THEN (t.extra->>'petition_count')::float ELSE 1 END END), 0) AS score
FROM collection_persontag t
CROSS JOIN LATERAL (SELECT CASE WHEN x.ds ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}$' THEN x.ds::date END
    AS d FROM (SELECT CASE t.tag WHEN 'released' THEN t.extra->>'release_date'
               ELSE t.extra->>'correction_end' END AS ds) x) d
WHERE t.end_date IS NULL AND t.tag IN ('released', 'correction', 'petition')
GROUP BY t.person_id""",
    ),
    f"{PREFIX}场所周边事件": (
        "place",
        [
            {"code": "events_near", "weight": 1, "params": {"days": 30, "radius_m": 200}},
            {"code": "repeat_events", "weight": 2, "params": {"days": 30, "radius_m": 200}},
        ],
        _th(40, 25, 15, 8, 3),
        f"""
SELECT p.id, sum(c.n) + 2 * COALESCE(sum(c.n - 1) FILTER (WHERE c.n > 1), 0) AS score
FROM collection_place p
JOIN LATERAL (
  SELECT e.category_id, count(*) AS n FROM events_event e
  WHERE ST_DWithin(e.location, p.location, 200 / 80000.0)
    AND ST_DWithin(e.location::geography, p.location::geography, 200)
    AND e.reported_at >= now() - interval '30 days' AND {COUNTED}
  GROUP BY 1) c ON true
WHERE p.location IS NOT NULL
GROUP BY p.id""",
    ),
    f"{PREFIX}网格事件与上报": (
        "area",
        [
            {"code": "events_in_grid", "weight": 1, "params": {"days": 30}},
            {"code": "escalations", "weight": 3, "params": {"days": 30}},
        ],
        _th(80, 60, 40, 25, 10),
        f"""
SELECT a.id, COALESCE(ev.n, 0) + 3 * COALESCE(es.n, 0) AS score
FROM grids_area a
LEFT JOIN (SELECT e.area_path, count(*) AS n FROM events_event e
           WHERE e.reported_at >= now() - interval '30 days' AND {COUNTED}
           GROUP BY 1) ev ON ev.area_path = a.path
LEFT JOIN (SELECT e.area_path, count(*) AS n FROM events_event e
           JOIN events_trace tr ON tr.event_id = e.id AND tr.action = 'escalate'
            AND tr.at >= now() - interval '30 days' GROUP BY 1) es ON es.area_path = a.path
WHERE a.level = 6""",
    ),
    f"{PREFIX}在办事件": (
        "event",
        [
            {"code": "event_overdue", "weight": 10},
            {"code": "event_urgency", "weight": 5},
            {"code": "escalations", "weight": 5, "params": {"days": 30}},
        ],
        _th(20, 15, 10, 5, 1),
        f"""
SELECT e.id, CASE e.due_state WHEN 'overdue' THEN 10.0 WHEN 'near_due' THEN 5.0 ELSE 0 END
  + CASE e.urgency WHEN 'critical' THEN 10.0 WHEN 'urgent' THEN 5.0 ELSE 0 END
  + 5 * COALESCE((SELECT count(*) FROM events_trace tr WHERE tr.event_id = e.id
                  AND tr.action = 'escalate' AND tr.at >= now() - interval '30 days'), 0)
  AS score
FROM events_event e WHERE e.status IN {OPEN_EVENT}""",
    ),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--samples", type=int, default=5, help="repeated runs per contender")
    p.add_argument("--single", type=int, default=30, help="single-subject samples per rule")
    p.add_argument("--statement-timeout", type=int, default=600, help="seconds, per statement")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--drop", action="store_true", help="remove the bench rules and exit")
    return p.parse_args(argv)


def rules_ensure() -> list:
    from risk.models import Rule
    from risk.services import rule_create

    out = []
    for name, (kind, factors, thresholds, _sql) in RULES.items():
        rule = Rule.objects.filter(name=name).select_related("version").first()
        if rule is None:
            rule = rule_create(
                actor=None,
                name=name,
                subject_kind=kind,
                definition={"factors": factors, "thresholds": thresholds, "unit_level": 5},
            )
        out.append(rule)
    return out


def drop_rules() -> None:
    from django.db import transaction

    from governance.figures import figures_retract
    from risk.figures import FIGURE_SOURCE
    from risk.models import Rule, RuleVersion, Warning

    with transaction.atomic():
        rules = list(Rule.objects.filter(name__startswith=PREFIX))
        warnings = Warning.objects.filter(rule__in=rules)
        # Open warnings count in the rollups: take them out before deleting the rows.
        figures_retract(FIGURE_SOURCE, list(warnings.values_list("pk", flat=True)))
        warnings.delete()  # their log goes with them (CASCADE)
        Rule.objects.filter(pk__in=[r.pk for r in rules]).update(version=None)
        RuleVersion.objects.filter(rule__in=rules).delete()
        Rule.objects.filter(pk__in=[r.pk for r in rules]).delete()


def _timed(pg, sql: str, params: dict | None = None) -> tuple[int, tuple]:
    t0 = clock()
    row = pg.execute(sql, params or {}).fetchone()
    return clock() - t0, row


def measure(args, pg, rules, out) -> None:
    from django.test import override_settings

    from risk.evaluation import rule_evaluate, scores_sql
    from risk.models import Warning

    settings = override_settings(RISK_STATEMENT_TIMEOUT_MS=args.statement_timeout * 1000)
    settings.enable()
    pg.execute(f"SET statement_timeout = {args.statement_timeout * 1000}")
    rows, totals = [], {"eval": 0, "first": 0, "generated": 0, "hand": 0}
    for rule in rules:
        kind, _factors, th, hand = RULES[rule.name]
        log(f"{rule.name}: first run ...")
        t0 = clock()
        first = rule_evaluate(rule)
        first_ns = clock() - t0
        if first.status != "ok":
            log(f"  {first.status}: {first.message}")
        generated, gparams = scores_sql(kind, rule.version.definition)
        ev, gen, hd = TimedRow("eval"), TimedRow("generated"), TimedRow("hand")
        hand_count = gen_count = None
        for i in range(args.samples):
            log(f"  sample {i + 1}/{args.samples}")
            t0 = clock()
            result = rule_evaluate(rule)
            ev.lat_ns.append(clock() - t0)
            ns, row = _timed(pg, f"SELECT count(*) FROM ({generated}) q", gparams)
            gen.lat_ns.append(ns)
            gen_count = row[0]
            ns, row = _timed(
                pg, f"SELECT count(*) FROM ({hand}) q WHERE score >= %(g)s", {"g": th["green"]}
            )
            hd.lat_ns.append(ns)
            hand_count = row[0]
        open_count = Warning.objects.filter(rule=rule, status__in=Warning.OPEN).count()
        p50 = {r.name: r.pct(50) for r in (ev, gen, hd)}
        totals["first"] += first_ns / 1e6
        for key in ("eval", "generated", "hand"):
            totals[key] += p50[key]
        rows.append(
            [
                rule.name,
                kind,
                f"{open_count:,}",
                fmt(first_ns / 1e9, 2),
                fmt(p50["eval"] / 1e3, 2),
                fmt(p50["generated"] / 1e3, 2),
                fmt(p50["hand"] / 1e3, 2),
                fmt(p50["eval"] / p50["hand"], 2) if p50["hand"] else "–",
                "yes" if hand_count == gen_count == open_count else f"no ({hand_count})",
                result.status,
            ]
        )
    settings.disable()
    out["rules"] = rows
    out["totals"] = totals


def measure_single(args, pg, rules, out) -> None:
    from risk.evaluation import SUBJECTS, rule_evaluate, subjects_reevaluate
    from risk.models import Warning

    rng = random.Random(args.seed)
    rows = []
    for rule in rules:
        kind = RULES[rule.name][0]
        # Subjects with a warning (the interesting ones) and any subjects, half each.
        warned = list(
            Warning.objects.filter(rule=rule, status__in=Warning.OPEN)
            .order_by("?")
            .values_list("subject_id", flat=True)[: args.single]
        )
        some = [
            r[0]
            for r in pg.execute(
                f"SELECT x.id FROM ({SUBJECTS[kind]}) x ORDER BY random() LIMIT %(n)s",
                {"n": args.single},
            ).fetchall()
        ]
        ids = (warned[: args.single // 2] + some)[: args.single]
        rng.shuffle(ids)
        row = TimedRow(rule.name)
        for sid in ids:
            t0 = clock()
            rule_evaluate(rule, only=[sid])
            row.lat_ns.append(clock() - t0)
        rows.append([rule.name, kind, len(ids), fmt(row.pct(50), 1), fmt(row.pct(95), 1)])
    person_ids = list(
        Warning.objects.filter(subject_kind="person", status__in=Warning.OPEN)
        .order_by("?")
        .values_list("subject_id", flat=True)[: args.single]
    )
    row = TimedRow("all person rules")
    for sid in person_ids:
        t0 = clock()
        subjects_reevaluate("person", [sid])
        row.lat_ns.append(clock() - t0)
    rows.append(
        ["every person rule (subjects_reevaluate)", "person", len(person_ids)]
        + [fmt(row.pct(50), 1), fmt(row.pct(95), 1)]
    )
    out["single"] = rows


def main(argv=None) -> int:
    args = parse_args(argv)
    django_setup(request_log_level=40)
    from django.conf import settings

    db = bench_database(settings, " (bench/README.md)")
    pg = pg_connect(db)
    if args.drop:
        drop_rules()
        log("bench rules removed")
        return 0
    bench_province()
    out: dict = {"host": host_info(pg)}
    out["rows"] = {
        t: pg.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ["collection_person", "collection_persontag", "collection_place"]
        + ["events_event", "events_trace"]
    }
    out["grids"] = pg.execute("SELECT count(*) FROM grids_area WHERE level = 6").fetchone()[0]
    if out["rows"]["events_event"] < 100_000:
        sys.exit("few events: generate the bench data with bench/cockpit.py first")
    rules = rules_ensure()
    measure(args, pg, rules, out)
    log("single subjects ...")
    measure_single(args, pg, rules, out)
    print_report(args, out)
    return 0


def print_report(args, out) -> None:
    h = out["host"]
    print("## bench/risk.py\n")
    print(f"- {h['cpu']}; {h['os']}\n- {h['postgres']}\n- {h['python']}")
    print("- rows: " + ", ".join(f"{t} {n:,}" for t, n in out["rows"].items()))
    print(f"- grids: {out['grids']:,}; --samples {args.samples}, --single {args.single}\n")
    print("### Whole-province evaluation (s, p50 of the repeated runs)\n")
    print(
        md_table(
            [
                "rule",
                "subjects",
                "open warnings",
                "first run",
                "rule_evaluate",
                "generated SQL",
                "hand-written SQL",
                "evaluate ÷ hand",
                "same subjects",
                "status",
            ],
            "llrrrrrrll",
            out["rules"],
        )
    )
    t = out["totals"]
    print(
        f"\nAll five rules: rule_evaluate {t['eval'] / 1e3:.2f} s (first run "
        f"{t['first'] / 1e3:.2f} s), generated SQL {t['generated'] / 1e3:.2f} s, hand-written "
        f"SQL {t['hand'] / 1e3:.2f} s; evaluate ÷ hand "
        f"{(t['eval'] / t['hand']) if t['hand'] else float('nan'):.2f}\n"
    )
    print("### Single-subject re-evaluation (ms)\n")
    print(md_table(["rule", "subjects", "n", "p50", "p95"], "llrrr", out["single"]))
    print()


if __name__ == "__main__":
    sys.exit(main())
