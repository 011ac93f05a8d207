"""Benchmark: the cockpit's panels and the analysis API at province scale, each beside
references measured in the same run; the cost of the rollup write in a report; how soon a
new event shows in the summary.

Usage (from the project root, on the whole-province bench database, see bench/README.md):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/cockpit.py [--events 1000000] [--people 2000000] [--samples 30]

0. Data. Missing generated rows are added set-based (bench/datagen.py): --events cases
   ('BM…', as bench/events.py makes them), --people people ('BP…', about 2 % of them in a
   special group), a third as many houses, 1/40 organisations, 1/80 places; then the
   rollups are derived afresh from the raw tables (`figures_rebuild`, timed) and
   `figures_differences()` (the nightly check) is timed on the result.

1. Read latency, for the province, its busiest city and that city's busiest county, of
   every cockpit panel (`PANELS`) and of the analysis API:
     - API: GET through Django's test client as a province leader (session, second
       factor passed), i.e. URL routing, authentication, scoping, serialisation;
     - bare view: the rollup SQL below through a plain Django view returning JSON (same
       client, session and middleware; no DRF, no scoping, no named figures) — what the
       framework costs around the query;
     - (a) rollup SQL: a hand-written GROUP BY over governance_figurecount giving the same
       numbers, psycopg, prepared, with the planner settings of the API's reads (no JIT,
       index only) — the floor of any rollup design on this machine;
     - (b) raw SQL: the naive GROUP BY over the raw tables (events_event, collection_*),
       psycopg, prepared — what the panel would cost without rollups.
   Contenders are interleaved sample by sample; p50/p95 after 3 warm-up calls. A raw
   statement over --statement-timeout counts as timed out.

2. Report cost. --reports events reported through events.services.event_report, in turns
   with the same service with its rollup write (queuing its cells as deltas) replaced by a
   no-op (this process only): the difference is what the rollups add to a report. Each
   report commits. The reported rows are deleted afterwards (their cells retracted first).

3. Visibility. A real Celery worker with beat is started; --visible times: report an
   event (commit; it queues its deltas and a drain), then GET the province's summary until
   its `events_today` has grown; the time from the commit to that answer.

Prints Markdown (progress on stderr). Refuses to run on a database whose name lacks
"bench". Generated rows stay for the next run (reused when the counts match); --drop
removes them and exits."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from datetime import timedelta
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
from datagen import (
    GENERATE_SQL,
    HOUSES_SQL,
    ORGANISATIONS_SQL,
    PEOPLE_SQL,
    PLACES_SQL,
    TAGS_SQL,
    bulk_insert,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

clock = time.perf_counter_ns
urlpatterns: list = []  # filled by install_bare_view()
LEADER = "bench_cockpit_leader"
REPORTER = "bench_cockpit_reporter"

# Generated rows per table: (table, marker predicate, generating SQL, share of --people).
BASE_DATA = [
    ("collection_person", "id_number_index LIKE 'BP%%'", PEOPLE_SQL, 1.0),
    ("collection_house", "address LIKE '基准路%%'", HOUSES_SQL, 1 / 3),
    ("collection_organisation", "credit_code LIKE 'BO%%'", ORGANISATIONS_SQL, 1 / 40),
    ("collection_place", "name LIKE '基准场所%%'", PLACES_SQL, 1 / 80),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--people", type=int, default=2_000_000)
    p.add_argument("--samples", type=int, default=30, help="measured calls per contender")
    p.add_argument("--reports", type=int, default=200, help="reports per contender (part 2)")
    p.add_argument("--visible", type=int, default=20, help="samples of part 3")
    p.add_argument("--statement-timeout", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--only", default="", help="comma-separated parts to run: 1,2,3")
    p.add_argument("--drop", action="store_true", help="remove the generated rows and exit")
    p.add_argument("--skip-check", action="store_true", help="do not time the nightly comparison")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- part 0


def ensure_data(args, pg, out) -> None:
    from governance.figures import figures_differences, figures_rebuild

    changed = False
    have = pg.execute("SELECT count(*) FROM events_event WHERE number LIKE 'BM%%'").fetchone()[0]
    if have != args.events:
        if have:
            sys.exit(f"{have:,} generated events exist: run with --drop first, or --events {have}")
        log(f"data: {args.events:,} events ...")
        out["events_insert"] = bulk_insert(
            pg, "events_event", GENERATE_SQL, {"n": args.events}, seed=args.seed
        )
        changed = True
    for table, marker, sql, share in BASE_DATA:
        n = round(args.people * share)
        have = pg.execute(f"SELECT count(*) FROM {table} WHERE {marker}").fetchone()[0]
        if have == n:
            continue
        if have:
            sys.exit(f"{have:,} generated rows in {table}: run with --drop first")
        log(f"data: {n:,} rows of {table} ...")
        out[f"{table}_insert"] = bulk_insert(pg, table, sql, {"n": n}, seed=args.seed)
        if table == "collection_person":
            pg.execute(TAGS_SQL)
            pg.execute("VACUUM ANALYZE collection_persontag")
        changed = True
    cells = pg.execute("SELECT count(*) FROM governance_figurecount").fetchone()[0]
    if changed or not cells:
        log("data: deriving the rollups ...")
        t0 = time.perf_counter()
        cells = figures_rebuild()
        out["rebuild_s"] = time.perf_counter() - t0
        pg.execute("VACUUM ANALYZE governance_figurecount")
        pg.execute("CHECKPOINT")
    out["cells"] = cells
    out["rows"] = {
        t: pg.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ["events_event", *(b[0] for b in BASE_DATA), "collection_persontag"]
    }
    if args.skip_check:
        out["differences_s"], out["differences"] = 0.0, "not checked"
        return
    log("data: timing the nightly comparison ...")
    t0 = time.perf_counter()
    diffs = figures_differences()
    out["differences_s"] = time.perf_counter() - t0
    out["differences"] = len(diffs)


def drop_data(pg) -> None:
    from governance.figures import figures_rebuild

    with pg.transaction():
        pg.execute("SET LOCAL session_replication_role = replica")
        pg.execute(
            "DELETE FROM collection_persontag WHERE person_id IN "
            "(SELECT id FROM collection_person WHERE id_number_index LIKE 'BP%%')"
        )
        for table, marker, _sql, _share in BASE_DATA:
            pg.execute(f"DELETE FROM {table} WHERE {marker}")
        pg.execute("DELETE FROM events_event WHERE number LIKE 'BM%%'")
    figures_rebuild()
    for t in ["events_event", *(b[0] for b in BASE_DATA), "governance_figurecount"]:
        pg.execute(f"VACUUM ANALYZE {t}")


# ----------------------------------------------------------------------------- part 1

# The rollup reference of each panel: a hand-written GROUP BY over the rollups for the
# area (%(path)s; its children by parent_path) giving the numbers the panel shows; the
# raw reference: the naive GROUP BY over the raw tables (%(prefix)s = the subtree).
ALL = "DATE '0001-01-01'"
SUMMARY_CELLS = (
    "'events.status', 'events.overdue', 'events.near_due', 'events.closed', "
    "'events.closed_late', 'events.rating', 'people.kind', 'people.group', 'houses.use', "
    "'organisations.kind', 'places.kind'"
)
ROLLUP_SUMMARY = f"""
SELECT CASE WHEN area_path = %(path)s THEN '' ELSE split_part(area_path, '/', %(child)s) END,
    figure, key, sum(n) FILTER (WHERE day = {ALL}), sum(n) FILTER (WHERE day = %(today)s)
FROM governance_figurecount
WHERE (area_path = %(path)s OR parent_path = %(path)s) AND day IN ({ALL}, %(today)s)
  AND figure IN ({SUMMARY_CELLS})
GROUP BY 1, 2, 3"""

RAW_SUMMARY = """
SELECT split_part(area_path, '/', %(child)s) AS child, 'event' AS what, status AS key,
       count(*), count(*) FILTER (WHERE reported_at >= %(midnight)s),
       count(*) FILTER (WHERE due_state = 'overdue')
FROM events_event WHERE area_path LIKE %(prefix)s GROUP BY 1, 3
UNION ALL
SELECT split_part(area_path, '/', %(child)s), 'person', kind, count(*), 0, 0
FROM collection_person WHERE area_path LIKE %(prefix)s GROUP BY 1, 3
UNION ALL
SELECT split_part(area_path, '/', %(child)s), 'house', use, count(*), 0, 0
FROM collection_house WHERE area_path LIKE %(prefix)s GROUP BY 1, 3
UNION ALL
SELECT split_part(area_path, '/', %(child)s), 'organisation', kind, count(*), 0, 0
FROM collection_organisation WHERE area_path LIKE %(prefix)s GROUP BY 1, 3
UNION ALL
SELECT split_part(area_path, '/', %(child)s), 'place', kind, count(*), 0, 0
FROM collection_place WHERE area_path LIKE %(prefix)s GROUP BY 1, 3"""

OPEN = "('reported', 'accepted', 'dispatched', 'handling', 'closed')"
DONE = "('closed', 'verified', 'archived')"
LOCAL_DAY = "(reported_at AT TIME ZONE 'Asia/Shanghai')::date"


def _own(figures: str, days: str = f"day = {ALL}", group: str = "figure, key") -> str:
    return (
        f"SELECT {group}, sum(n) FROM governance_figurecount WHERE area_path = %(path)s "
        f"AND figure IN ({figures}) AND {days} GROUP BY {group}"
    )


# name -> (API path with {code}, rollup SQL, raw SQL)
PANELS: dict[str, tuple[str, str, str]] = {
    "summary": ("/api/v1/cockpit/summary/?area={code}", ROLLUP_SUMMARY, RAW_SUMMARY),
    "trend 30 d": (
        "/api/v1/cockpit/trend/?area={code}&days=30",
        _own(
            "'events.status', 'events.closed'",
            "day BETWEEN %(d30)s AND %(today)s",
            "day, figure, key",
        ),
        f"""SELECT {LOCAL_DAY}, 'reported', count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND reported_at >= %(t30)s AND status <> 'merged'
        GROUP BY 1
        UNION ALL SELECT (closed_at AT TIME ZONE 'Asia/Shanghai')::date, 'closed', count(*)
        FROM events_event WHERE area_path LIKE %(prefix)s AND closed_at >= %(t30)s
          AND status IN {DONE} GROUP BY 1""",
    ),
    "breakdown category": (
        "/api/v1/cockpit/breakdown/?area={code}&by=category",
        _own("'events.category'"),
        "SELECT category_id, count(*) FROM events_event WHERE area_path LIKE %(prefix)s"
        " AND status <> 'merged' GROUP BY 1",
    ),
    "timeliness": (
        "/api/v1/cockpit/timeliness/?area={code}",
        _own(
            "'events.status', 'events.overdue', 'events.near_due', 'events.closed', "
            "'events.closed_late', 'events.close_time'"
        ),
        """SELECT status, due_state, closed_at > deadline,
            CASE WHEN closed_at - reported_at <= interval '1 day' THEN '1d'
                 WHEN closed_at - reported_at <= interval '3 days' THEN '3d'
                 WHEN closed_at - reported_at <= interval '7 days' THEN '7d'
                 WHEN closed_at - reported_at <= interval '15 days' THEN '15d' ELSE 'more' END,
            count(*)
        FROM events_event WHERE area_path LIKE %(prefix)s GROUP BY 1, 2, 3, 4""",
    ),
    "satisfaction": (
        "/api/v1/cockpit/satisfaction/?area={code}",
        _own("'events.rating'"),
        "SELECT rating, count(*) FROM events_event WHERE area_path LIKE %(prefix)s"
        " AND rating IS NOT NULL AND closed_at IS NOT NULL GROUP BY 1",
    ),
    "ranking children": (
        "/api/v1/cockpit/ranking/?area={code}&of=children&by=on_time_rate",
        f"""SELECT area_path, figure, key, sum(n) FROM governance_figurecount
        WHERE parent_path = %(path)s AND day = {ALL} AND figure IN
            ('events.status', 'events.overdue', 'events.closed', 'events.closed_late')
        GROUP BY 1, 2, 3""",
        f"""SELECT split_part(area_path, '/', %(child)s), status,
            count(*) FILTER (WHERE due_state = 'overdue' AND status IN {OPEN}),
            count(*) FILTER (WHERE closed_at > deadline AND status IN {DONE})
        FROM events_event WHERE area_path LIKE %(prefix)s GROUP BY 1, 2""",
    ),
    "overdue units": (
        "/api/v1/cockpit/overdue-units/?area={code}",
        _own("'events.overdue', 'events.overdue_unit'"),
        f"""SELECT current_area_id, current_department_id, count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND due_state = 'overdue' AND status IN {OPEN}
        GROUP BY 1, 2""",
    ),
    "analysis child × status, 1 year": (
        "/api/v1/analysis/events/?area={code}&rows=child&cols=status&from={y1}&to={today}",
        """SELECT split_part(area_path, '/', %(child)s), key, sum(n)
        FROM governance_figurecount WHERE parent_path = %(path)s AND figure = 'events.status'
          AND day BETWEEN %(y1)s AND %(today)s GROUP BY 1, 2""",
        """SELECT split_part(area_path, '/', %(child)s), status, count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND reported_at >= %(ty1)s AND status <> 'merged'
        GROUP BY 1, 2""",
    ),
    "analysis month × category, 1 year": (
        "/api/v1/analysis/events/?area={code}&rows=month&cols=category&from={y1}&to={today}",
        _own(
            "'events.category'",
            "day BETWEEN %(y1)s AND %(today)s",
            "to_char(day, 'YYYY-MM'), key",
        ),
        f"""SELECT to_char({LOCAL_DAY}, 'YYYY-MM'), category_id, count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND reported_at >= %(ty1)s AND status <> 'merged'
        GROUP BY 1, 2""",
    ),
    # Two case attributes are not in the one-dimensional rollups: the API reads the raw
    # cases (scoped); both references are that same GROUP BY.
    "analysis category × source, 1 year (raw path)": (
        "/api/v1/analysis/events/?area={code}&rows=category&cols=source&from={y1}&to={today}",
        """SELECT category_id, source, count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND reported_at >= %(ty1)s AND status <> 'merged'
        GROUP BY 1, 2""",
        """SELECT category_id, source, count(*) FROM events_event
        WHERE area_path LIKE %(prefix)s AND reported_at >= %(ty1)s AND status <> 'merged'
        GROUP BY 1, 2""",
    ),
}


def bare_rollup_view(request):
    """The lean reference of the API: the panel's rollup SQL, rows as JSON."""
    from django.db import connection
    from django.http import JsonResponse

    from governance.figures import _cells_cursor

    panel, params = BARE[request.GET["panel"]]
    # the planner settings the API's rollup reads use (index only, no parallel workers)
    with (
        _cells_cursor()
        if "governance_figurecount" in PANELS[panel][1]
        else (connection.cursor()) as cur
    ):
        cur.execute(PANELS[panel][1], params)
        rows = cur.fetchall()
    return JsonResponse({"rows": rows}, json_dumps_params={"default": str})


BARE: dict[str, tuple[str, dict]] = {}  # bare view key -> (panel, SQL parameters)


def install_bare_view() -> None:
    """This module becomes the URL conf: the bare view, then the project's URLs."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    global urlpatterns
    urlpatterns = [
        path("bench/bare/", bare_rollup_view),
        path("", include(settings.ROOT_URLCONF)),
    ]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()


def areas_to_measure(pg, province) -> list[tuple[str, object]]:
    """The province, its busiest city (most events), and that city's busiest county."""
    from grids.models import Area

    def busiest(parent):
        code = pg.execute(
            "SELECT split_part(area_path, '/', %s) FROM events_event"
            " WHERE area_path LIKE %s GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            (parent.level + 1, parent.path + "%"),
        ).fetchone()[0]
        return Area.objects.defer("boundary", "boundary_simple").get(code=code)

    city = busiest(province)
    county = busiest(city)
    return [("province", province), ("city", city), ("county", county)]


def bench_user(username, role, area):
    from django.contrib.auth import get_user_model

    from governance.services import role_assign, user_create

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None,
            username=username,
            password=secrets.token_urlsafe(24),
            full_name=f"bench {username}",
            check_password=False,
        )
    role_assign(actor=None, user=user, role=role, area=area)
    return user


def leader_client(province):
    from django.test import Client

    from governance.roles import Role
    from tests.fixtures import otp_verify_session

    user = bench_user(LEADER, Role.PROVINCE_LEADER, province)
    client = Client(SERVER_NAME="localhost", HTTP_ACCEPT="application/json")
    client.force_login(user)
    otp_verify_session(client, user)
    return client


def measure_reads(args, pg, pg_rollup, province, out) -> None:
    from django.utils import timezone

    client = leader_client(province)
    today = timezone.localdate()
    midnight = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    pg.execute(f"SET statement_timeout = {int(args.statement_timeout * 1000)}")
    rows = []
    for level_name, area in areas_to_measure(pg, province):
        params = {
            "child": area.level + 1,
            "path": area.path,
            "prefix": area.path + "%",
            "today": today,
            "midnight": midnight,
            "d30": today - timedelta(days=29),
            "t30": midnight - timedelta(days=29),
            "y1": today - timedelta(days=364),
            "ty1": midnight - timedelta(days=364),
        }
        for panel, (path, rollup_sql, raw_sql) in PANELS.items():
            url = path.format(code=area.code, y1=params["y1"], today=today)

            def api(url=url):
                r = client.get(url)
                if r.status_code != 200:
                    raise RuntimeError(f"{url} answered {r.status_code}: {r.content[:200]!r}")
                return r

            key = f"{panel}-{area.code}"
            BARE[key] = (panel, params)
            contenders = [
                TimedRow("API"),
                TimedRow("bare view"),
                TimedRow("(a) rollup SQL"),
                TimedRow("(b) raw SQL"),
            ]
            calls = [
                api,
                lambda key=key: api(f"/bench/bare/?panel={key}"),
                lambda q=rollup_sql, p=params: pg_rollup.execute(q, p, prepare=True).fetchall(),
                lambda q=raw_sql, p=params: pg.execute(q, p, prepare=True).fetchall(),
            ]
            timed_out = [False] * len(calls)
            for i in range(3 + args.samples):
                for k, (row, call) in enumerate(zip(contenders, calls, strict=True)):
                    if timed_out[k] or (k == 3 and i > 3 and row.wall_ns > 30e9):
                        continue  # a slow raw GROUP BY: a few samples suffice
                    t0 = clock()
                    try:
                        call()
                    except Exception as exc:  # noqa: BLE001 — a timeout is a result here
                        if "statement timeout" not in str(exc):
                            raise
                        timed_out[k] = True
                        continue
                    dt = clock() - t0
                    if i >= 3:
                        row.n += 1
                        row.wall_ns += dt
                        row.lat_ns.append(dt)
            api_row, bare_row, rollup_row, raw_row = contenders
            p95 = api_row.pct(95)
            rows.append(
                [
                    panel,
                    f"{level_name} {area.name}",
                    fmt(api_row.pct(50)),
                    fmt(p95),
                    fmt(bare_row.pct(95)),
                    fmt(rollup_row.pct(95)),
                    "timed out" if timed_out[3] else fmt(raw_row.pct(95)),
                    fmt(p95 / rollup_row.pct(95), 2) if rollup_row.pct(95) else "—",
                    fmt(p95 / bare_row.pct(95), 2) if bare_row.pct(95) else "—",
                    "—" if timed_out[3] else fmt(raw_row.pct(95) / p95, 1),
                ]
            )
            log(f"  {panel} {level_name}: API p95 {fmt(p95)} ms")
    out["reads"] = rows


# ----------------------------------------------------------------------------- part 2


def measure_report_cost(args, province, out) -> None:
    import random

    from django.db import connection

    import events.services as services
    from events.models import Event, EventCategory
    from governance.figures import figures_drain, figures_retract
    from governance.roles import Role

    reporter = bench_user(REPORTER, Role.COUNTY_DISPATCHER, province)
    category = EventCategory.objects.get(code="0101")
    rng = random.Random(args.seed)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(centroid), ST_Y(centroid) FROM grids_area"
            " WHERE level = 6 AND centroid IS NOT NULL ORDER BY id"
        )
        points = cur.fetchall()
    real = services.figures_count

    # The report's own cost of the rollups: queuing its cells as deltas (the drain runs in
    # a Celery worker, after the commit; part 3 measures how soon it shows).
    def report(with_rollup: bool) -> int:
        x, y = rng.choice(points)
        services.figures_count = real if with_rollup else (lambda *a, **k: None)
        try:
            e = services.event_report(
                actor=reporter, title="基准测试上报", category=category, lng=x, lat=y
            )
        finally:
            services.figures_count = real
        return e.pk

    with_ids, without_ids = [], []
    rows = [TimedRow("event_report with its rollup deltas"), TimedRow("… without them")]
    for i in range(args.reports + 5):
        for k, (row, ids) in enumerate(zip(rows, (with_ids, without_ids), strict=True)):
            t0 = clock()
            ids.append(report(k == 0))
            dt = clock() - t0
            if i >= 5:
                row.n += 1
                row.wall_ns += dt
                row.lat_ns.append(dt)
    # Clean up: the counted rows leave their cells first; then every row goes.
    from django.db import transaction

    with transaction.atomic():
        figures_retract(services.FIGURES, with_ids)
        for model_ids in (with_ids, without_ids):
            Event.objects.filter(pk__in=model_ids).delete()
    figures_drain()  # no worker runs in this part: apply the queued deltas here
    out["report"] = [[r.name, fmt(r.mean()), fmt(r.pct(50)), fmt(r.pct(95))] for r in rows] + [
        [
            "rollup share of a report (mean)",
            fmt(100 * (rows[0].mean() - rows[1].mean()) / rows[1].mean(), 1) + " %",
            "",
            "",
        ]
    ]


# ----------------------------------------------------------------------------- part 3


def measure_visibility(args, province, out) -> None:
    """A real Celery worker with beat (the production path: the report queues its deltas
    and a drain on commit); the province's summary, which reads today's cells of the
    rollups (a county's children count today from the raw cases)."""
    import os
    import subprocess

    from django.db import transaction

    import events.services as services
    from events.models import Event, EventCategory
    from governance.figures import figures_drain, figures_retract
    from governance.roles import Role
    from grids.models import Area

    client = leader_client(province)
    reporter = bench_user(REPORTER, Role.COUNTY_DISPATCHER, province)
    category = EventCategory.objects.get(code="0101")
    grid = Area.objects.filter(level=6, centroid__isnull=False).only("centroid", "path").first()
    url = f"/api/v1/cockpit/summary/?area={province.code}"
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "governance",
            "worker",
            "-B",
            "-c",
            "2",
            "-l",
            "warning",
            "-s",
            "/tmp/bench-cockpit-beat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lat_ns, ids = [], []
    try:
        time.sleep(8)  # the worker up and connected
        for _ in range(args.visible):
            before = json.loads(client.get(url).content)["events_today"]
            e = services.event_report(
                actor=reporter,
                title="基准测试可见性",
                category=category,
                lng=grid.centroid.x,
                lat=grid.centroid.y,
            )
            committed = clock()  # event_report commits on return (autocommit outside)
            ids.append(e.pk)
            while json.loads(client.get(url).content)["events_today"] <= before:
                if clock() - committed > 30e9:
                    raise RuntimeError("a new event did not show in the summary within 30 s")
                time.sleep(0.01)
            lat_ns.append(clock() - committed)
    finally:
        worker.terminate()
        worker.wait(30)
    with transaction.atomic():
        figures_retract(services.FIGURES, ids)
        Event.objects.filter(pk__in=ids).delete()
    figures_drain()
    row = TimedRow("commit → summary shows it", n=len(lat_ns), lat_ns=lat_ns)
    out["visible"] = [row.name, fmt(row.pct(50)), fmt(row.pct(95)), fmt(max(lat_ns) / 1e6)]


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    django_setup(request_log_level=40)
    from django.conf import settings

    db = bench_database(settings, " (bench/README.md)")
    pg = pg_connect(db)
    if args.drop:
        drop_data(pg)
        log("generated rows removed")
        return 0
    province = bench_province()
    install_bare_view()
    out: dict = {"host": host_info(pg)}
    ensure_data(args, pg, out)
    parts = set(args.only.split(",")) if args.only else {"1", "2", "3"}
    if "1" in parts:
        log("part 1: read latency ...")
        # (a) with the planner settings the API's rollup reads use (governance/figures.py:
        # _cells_cursor; no JIT, as the application's connections): its best plan
        pg_rollup = pg_connect(
            db, options="-c jit=off -c enable_seqscan=off -c max_parallel_workers_per_gather=0"
        )
        measure_reads(args, pg, pg_rollup, province, out)
    if "2" in parts:
        log("part 2: report cost ...")
        measure_report_cost(args, province, out)
    if "3" in parts:
        log("part 3: visibility ...")
        measure_visibility(args, province, out)
    print_report(out)
    return 0


def print_report(out) -> None:
    h = out["host"]
    print("## bench/cockpit.py\n")
    print(f"- {h['cpu']}; {h['os']}\n- {h['postgres']}\n- {h['python']}")
    rows = out["rows"]
    print("- rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(f"- rollup cells: {out['cells']:,}", end="")
    if "rebuild_s" in out:
        print(f" (derived in {out['rebuild_s']:.1f} s)", end="")
    print(
        f"; nightly comparison (figures_differences) {out['differences_s']:.1f} s, "
        f"{out['differences']} differences\n"
    )
    if "reads" in out:
        print("### 1. Read latency (ms)\n")
        print(
            md_table(
                [
                    "panel",
                    "area",
                    "API p50",
                    "API p95",
                    "bare view p95",
                    "(a) rollup SQL p95",
                    "(b) raw SQL p95",
                    "API ÷ (a)",
                    "API ÷ bare",
                    "(b) ÷ API",
                ],
                "llrrrrrrrr",
                out["reads"],
            )
        )
        print()
    if "report" in out:
        print("### 2. What the rollup write adds to a report (ms)\n")
        print(md_table(["", "mean", "p50", "p95"], "lrrr", out["report"]))
        print()
    if "visible" in out:
        print("### 3. A new event in the summary (ms after its commit)\n")
        print(md_table(["", "p50", "p95", "max"], "lrrr", [out["visible"]]))
        print()


if __name__ == "__main__":
    sys.exit(main())
