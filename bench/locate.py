"""Benchmark: point → grid lookup (grids.locate), against references measured in the same run.

Usage (from the project root, on a whole-province database, see bench/README.md):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    DJANGO_SETTINGS_MODULE=governance.settings.dev \\
    .venv/bin/python bench/locate.py [--points 5000] [--seconds 60] [--seed 42]

Every contender locates the same points in this one process, one contender at a time:

  1. raw SQL reference: psycopg 3 outside Django, prepared statement, the bare GiST
     lookup `SELECT area_id FROM grids_locatecell WHERE ST_Intersects(...) LIMIT 1`;
  2. the service's own statement (grids.locate.LOCATE_SQL) through psycopg, prepared
     the same way, to separate SQL cost from Python overhead;
  3. the service grids.locate.locate() through Django's connection;
  4. the API GET /api/v1/areas/locate/ in-process through django.test.Client, logged in
     as a province leader (user `bench_province_leader`, created here if missing);
  5. shapely 2 STRtree over every grid boundary in memory: (a) one query per point,
     (b) all points in one vectorised query. The load time is reported apart.

Points: (1 - --outside) inside the province boundary (ST_GeneratePoints with the seed),
the rest uniform in the province's bounding box so that some miss; shuffled by the seed.
Warm-up calls use other points drawn the same way.

Rounds: the points are dealt into --rounds slices (default 5); each round runs every
contender over its slice, one after the other. A burst of other work on the machine
then lands on all contenders instead of on whichever ran at that moment. --rounds 1
runs each contender over all points in one go.

Results must agree: the codes of 2, 3, 4 and 5 are compared point by point (on a shared
edge the smallest code wins, as in LOCATE_SQL), and the id that 1 finds must be one of
the grids the STRtree finds. The exit status is 1 on any disagreement.

Then diagnostic rows (skip with --no-diagnostics), with the reference measured again in
their own rounds, split the service's cost: statement planning, the ancestors
sub-select, Django's cursor, prepared statements, the API's session.

DEBUG defaults to off here (production runs with DEBUG=False; with DEBUG on Django
records every statement); --debug keeps the dev settings' default (on).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import TimedRow, django_setup, fmt, host_info, md_table, pg_connect

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RAW_SQL = (
    "SELECT area_id FROM grids_locatecell "
    "WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s,%s),4326)) LIMIT 1"
)
BENCH_USERNAME = "bench_province_leader"
AIM_RATIO = 2.0  # the service within 2x of raw SQL (time per locate)
AIM_RATE = 2000  # locates per second in one process
NOT_DONE = object()  # result slot of a point a contender did not reach (--seconds)

# Diagnostic variant: the ancestors from five primary-key joins on parent_id instead of
# the sub-select on the codes of the path (same rows for a consistent tree).
CHAIN_SQL = """
SELECT a.code, a.name, a.level, a.path,
       p1.code, p1.name, p1.level, p2.code, p2.name, p2.level, p3.code, p3.name, p3.level,
       p4.code, p4.name, p4.level, p5.code, p5.name, p5.level
FROM grids_locatecell c JOIN grids_area a ON a.id = c.area_id
LEFT JOIN grids_area p5 ON p5.id = a.parent_id LEFT JOIN grids_area p4 ON p4.id = p5.parent_id
LEFT JOIN grids_area p3 ON p3.id = p4.parent_id LEFT JOIN grids_area p2 ON p2.id = p3.parent_id
LEFT JOIN grids_area p1 ON p1.id = p2.parent_id
WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))
ORDER BY a.code
LIMIT 1
"""
CHAIN_COLUMNS = ", ".join(
    f"{k}{i} {t}"
    for i in range(1, 6)
    for k, t in (("c", "varchar"), ("n", "varchar"), ("l", "smallint"))
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Point → grid locate benchmark.",
        epilog="See the module docstring and bench/README.md.",
    )
    p.add_argument("--points", type=int, default=5000, help="points to locate (default 5000)")
    p.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="time cap per contender in seconds (summed over the rounds): a "
        "contender that reaches it stops, and only the points every "
        "contender did are compared (default 60; 0 = no cap)",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed, >= 1 (default 42)")
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="slices of the points, each run by every contender in turn (default 5)",
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=200,
        help="warm-up calls per contender before its first round, on other "
        "points (default 200; 20 before each later round)",
    )
    p.add_argument(
        "--outside",
        type=float,
        default=0.10,
        help="share of points drawn in the province's bounding box rather than "
        "inside the province (default 0.10)",
    )
    p.add_argument("--no-api", action="store_true", help="skip the API contenders")
    p.add_argument("--no-diagnostics", action="store_true", help="skip the diagnostic rows")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the service and the API on 1,000 points",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="run with DEBUG=True (the dev settings' default) instead of False",
    )
    args = p.parse_args(argv)
    if (
        args.points < 1
        or args.seed < 1
        or args.warmup < 0
        or args.rounds < 1
        or not 0 <= args.outside <= 1
    ):
        p.error("--points, --seed and --rounds must be >= 1, --warmup >= 0, --outside in [0, 1]")
    return args


# --------------------------------------------------------------------------- timing


@dataclass
class Row(TimedRow):
    """n: points measured; lat_ns per call (empty for the bulk row)."""

    hits: int = 0

    @property
    def mean_us(self) -> float:
        return self.mean("µs")

    def pct_us(self, q: float) -> float | None:
        """Nearest-rank percentile of the per-call latencies, in µs."""
        return self.pct(q, "µs")


@dataclass
class Contender:
    name: str
    fn: Callable  # fn(x, y) -> result; with batch=True, fn(points) -> list of results
    batch: bool = False
    setup: Callable | None = None  # around each round, outside the timing
    teardown: Callable | None = None
    row: Row | None = None
    results: list = field(default_factory=list)

    @property
    def done(self) -> list:
        return [r for r in self.results if r is not NOT_DONE]


def run_rounds(contenders: list[Contender], points, warm, cap_s, rounds) -> None:
    """Every contender over every point, in rounds; fills .row and .results."""
    clock = time.perf_counter_ns
    cap_ns = int(cap_s * 1e9) if cap_s else None
    for c in contenders:
        c.row, c.results = Row(c.name), [NOT_DONE] * len(points)
    for r in range(rounds):
        idx = range(r, len(points), rounds)
        batch = [points[i] for i in idx]
        w = warm if r == 0 else warm[:20]
        for c in contenders:
            row = c.row
            if cap_ns and row.wall_ns > cap_ns:
                continue
            if c.setup:
                c.setup()
            try:
                if c.batch:
                    if w:
                        c.fn(w)
                    t0 = clock()
                    out = c.fn(batch)
                    row.wall_ns += clock() - t0
                    for i, o in zip(idx, out, strict=True):
                        c.results[i] = o
                    row.n += len(batch)
                    continue
                fn, lat = c.fn, row.lat_ns
                for x, y in w:
                    fn(x, y)
                t0 = clock()
                for i in idx:
                    x, y = points[i]
                    s = clock()
                    c.results[i] = fn(x, y)
                    e = clock()
                    lat.append(e - s)
                    if cap_ns and row.wall_ns + (e - t0) > cap_ns:
                        break
                row.wall_ns += clock() - t0
                row.n = len(lat)
            finally:
                if c.teardown:
                    c.teardown()
    for c in contenders:
        c.row.hits = sum(1 for r in c.done if r is not None)
        if c.row.n < len(points):
            c.row.note = f"stopped by --seconds after {c.row.n:,} of {len(points):,} points"
        print(f"  {c.name}: {c.row.rate:,.0f}/s", file=sys.stderr, flush=True)


def table(rows: list[Row], ref: Row) -> str:
    return md_table(
        ["contender", "points", "hits", "locates/s", "mean µs", "p50 µs", "p99 µs", "× raw SQL"],
        "lrrrrrrr",
        [
            [
                r.name,
                f"{r.n:,}",
                f"{r.hits:,}",
                fmt(r.rate, 0),
                fmt(r.mean_us, 1),
                fmt(r.pct_us(50), 1),
                fmt(r.pct_us(99), 1),
                f"{r.mean_us / ref.mean_us:.2f}",
            ]
            for r in rows
        ],
    )


def differ(a: list, b: list) -> int:
    """Points that both contenders did and on which they disagree."""
    return sum(
        1 for x, y in zip(a, b, strict=True) if x is not NOT_DONE and y is not NOT_DONE and x != y
    )


# --------------------------------------------------------------------------- setup


def machine_info(pg) -> dict:
    import shapely

    info = host_info(pg)
    info["python"] += f", shapely {shapely.__version__} (GEOS {shapely.geos_version_string})"
    info["load"] = "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    return info


def draw_points(pg, total: int, seed: int, outside: float):
    prov = pg.execute(
        "SELECT code, name, ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary),"
        " ST_YMax(boundary) FROM grids_area WHERE level = 1 AND boundary IS NOT NULL"
        " ORDER BY code LIMIT 1"
    ).fetchone()
    if prov is None:
        sys.exit("no province boundary in this database: load one first (bench/README.md)")
    code, name, x0, y0, x1, y1 = prov
    n_out = round(total * outside)
    inside = []
    if total - n_out:
        inside = pg.execute(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints(boundary, %s, %s)))"
            ".geom AS g FROM grids_area WHERE code = %s) s",
            (total - n_out, seed, code),
        ).fetchall()
    rnd = random.Random(seed)
    pts = [(float(x), float(y)) for x, y in inside]
    pts += [(rnd.uniform(x0, x1), rnd.uniform(y0, y1)) for _ in range(n_out)]
    rnd.shuffle(pts)
    return (code, name), pts


def load_strtree(pg):
    import numpy as np
    import shapely

    t0 = time.perf_counter()
    rows = pg.execute(
        "SELECT id, code, ST_AsBinary(boundary) FROM grids_area"
        " WHERE level = 6 AND boundary IS NOT NULL ORDER BY id"
    ).fetchall()
    t1 = time.perf_counter()
    geoms = shapely.from_wkb([r[2] for r in rows])
    t2 = time.perf_counter()
    tree = shapely.STRtree(geoms)
    t3 = time.perf_counter()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    codes = [r[1] for r in rows]
    rank = np.empty(len(codes), dtype=np.int64)  # rank in code order: smallest wins a tie
    rank[np.argsort(np.array(codes))] = np.arange(len(codes))
    load = {
        "grids": len(rows),
        "wkb_mb": sum(len(r[2]) for r in rows) / 1e6,
        "fetch_ms": (t1 - t0) * 1e3,
        "decode_ms": (t2 - t1) * 1e3,
        "build_ms": (t3 - t2) * 1e3,
    }
    return tree, ids, codes, rank, load


def bench_user(province_code):
    from django.contrib.auth import get_user_model

    from governance.roles import Role
    from governance.services import role_assign, user_create
    from grids.models import Area

    province = Area.objects.defer("boundary", "boundary_simple").get(code=province_code)
    user = get_user_model().objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        user = user_create(
            actor=None,
            username=BENCH_USERNAME,
            password=secrets.token_urlsafe(24),
            full_name="bench 省级领导",
            check_password=False,
        )
    role_assign(actor=None, user=user, role=Role.PROVINCE_LEADER, area=province)
    return user


def api_caller(client, url):
    def api(x, y):
        resp = client.get(f"{url}?lng={x!r}&lat={y!r}")
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise RuntimeError(f"API answered {resp.status_code}: {resp.content[:200]!r}")
        return json.loads(resp.content)["code"]

    return api


def profile(label, fn, points, top=14):
    prof = cProfile.Profile()
    prof.enable()
    for x, y in points:
        fn(x, y)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(f"\n### cProfile: {label}, {len(points):,} calls, by own time\n")
    print("```\n" + out.getvalue().strip() + "\n```")


def plan_split(pg, sql, points) -> tuple[float, float]:
    """Mean server-side planning and execution time (µs) of `sql` with the point inlined,
    i.e. planned on every call, as Django's client-side binding sends it."""
    import psycopg

    cur = psycopg.ClientCursor(pg)
    plan = exe = 0.0
    for x, y in points:
        cur.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) " + sql, (x, y))
        doc = cur.fetchone()[0]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        plan += doc[0]["Planning Time"]
        exe += doc[0]["Execution Time"]
    return plan * 1e3 / len(points), exe * 1e3 / len(points)


# --------------------------------------------------------------------------- diagnostics


def diagnostics(ctx) -> int:
    """Rows that split the service's cost; returns the number of disagreements."""
    import psycopg
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    import grids.locate as locate_module
    from grids.locate import LOCATE_SQL, locate

    points, pg, db = ctx["points"], ctx["pg"], ctx["db"]
    service = ctx["service"]
    print("\n## Diagnostics: where the service's time goes\n", flush=True)
    ccur = psycopg.ClientCursor(pg)  # parameters inlined, planned on every call, as Django

    def client_side(sql):
        def run(x, y):
            r = ccur.execute(sql, (x, y)).fetchone()
            return r[0] if r else None

        return run

    no_ancestors = LOCATE_SQL.replace(
        LOCATE_SQL[
            LOCATE_SQL.index(",\n       (SELECT json_agg") : LOCATE_SQL.index(" AS ancestors")
            + len(" AS ancestors")
        ],
        "",
    )

    gen = pg_connect(db, options="-c plan_cache_mode=force_generic_plan")
    gcur = gen.cursor()

    def generic(x, y):
        r = gcur.execute(LOCATE_SQL, (x, y), prepare=True).fetchone()
        return r[0] if r else None

    # The statement inside a PL/pgSQL function (plan cached per session, forced generic),
    # called through Django's own cursor. pg_temp: gone when the session ends.
    def create_function(name, sql, columns):
        body = sql.replace("%s, %s", "p_lng, p_lat").strip()
        with connection.cursor() as c:
            c.execute(
                f"CREATE OR REPLACE FUNCTION pg_temp.{name}(p_lng float8, p_lat float8)"
                f" RETURNS TABLE(code varchar, name varchar, level smallint, path varchar"
                f"{', ' + columns if columns else ''}) LANGUAGE plpgsql STABLE"
                " SET plan_cache_mode = force_generic_plan AS $f$\n"
                "#variable_conflict use_column\nBEGIN RETURN QUERY " + body + "; END $f$"
            )

    create_function("bench_locate", LOCATE_SQL, "ancestors json")
    create_function("bench_locate_chain", CHAIN_SQL, CHAIN_COLUMNS)
    create_function("bench_locate_bare", no_ancestors, "")

    def via_function(x, y):
        with connection.cursor() as c:
            c.execute("SELECT * FROM pg_temp.bench_locate(%s, %s)", [x, y])
            row = c.fetchone()
        if row is None:
            return None
        if isinstance(row[4], str):
            json.loads(row[4])
        return row[0]

    def chain_path(row):
        path = [
            {"code": row[i], "name": row[i + 1], "level": row[i + 2]}
            for i in range(4, 19, 3)
            if row[i] is not None
        ]
        return path + [{"code": row[0], "name": row[1], "level": row[2]}]

    def via_chain(x, y):
        with connection.cursor() as c:
            c.execute("SELECT * FROM pg_temp.bench_locate_chain(%s, %s)", [x, y])
            row = c.fetchone()
        if row is None:
            return None
        chain_path(row)
        return row[0]

    def via_bare(x, y):
        with connection.cursor() as c:
            c.execute("SELECT * FROM pg_temp.bench_locate_bare(%s, %s)", [x, y])
            row = c.fetchone()
        return row[0] if row else None

    # Django's debug cursor wrapper, the other way round from this run's DEBUG.
    debug, forced = settings.DEBUG, connection.force_debug_cursor

    def debug_flip():
        connection.force_debug_cursor = not debug
        settings.DEBUG = False

    def debug_back():
        connection.force_debug_cursor, settings.DEBUG = forced, debug
        connection.queries_log.clear()

    # The service itself on a second Django connection whose OPTIONS turn on psycopg's
    # server-side binding and prepared statements, with generic plans for the session.
    connections.settings["bench_prepared"] = {
        **db,
        "OPTIONS": {
            **db.get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
            "options": "-c plan_cache_mode=force_generic_plan",
        },
    }

    def use_prepared():
        locate_module.connection = connections["bench_prepared"]

    def use_default():
        locate_module.connection = connection

    cs = [
        Contender("D0. raw SQL, psycopg, prepared (reference, again)", ctx["raw"]),
        Contender(
            "D1. LOCATE_SQL, psycopg, client-side binding (as Django)", client_side(LOCATE_SQL)
        ),
        Contender("D2. D1 without the ancestors sub-select", client_side(no_ancestors)),
        Contender("D3. raw SQL, client-side binding (planned per call)", client_side(RAW_SQL)),
        Contender("D4. LOCATE_SQL, prepared, plan_cache_mode=force_generic_plan", generic),
        Contender("D5. Django cursor → PL/pgSQL function (generic plan)", via_function),
        Contender("D6. D5 with ancestors by parent_id joins, path built in Python", via_chain),
        Contender("D7. D5 without ancestors (floor if they came from a cache)", via_bare),
        Contender(
            f"D8. service locate(), DEBUG cursor {'off' if debug else 'on'}",
            service,
            setup=debug_flip,
            teardown=debug_back,
        ),
        Contender(
            "D9. service locate(), OPTIONS server_side_binding + prepare_threshold + generic plans",
            service,
            setup=use_prepared,
            teardown=use_default,
        ),
    ]
    if ctx["client"] is not None:
        token, _ = Token.objects.get_or_create(user=ctx["user"])
        tclient = Client(
            SERVER_NAME="localhost",
            HTTP_ACCEPT="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )
        cs.append(
            Contender(
                "D10. API with TokenAuthentication (no session)", api_caller(tclient, ctx["url"])
            )
        )
    run_rounds(cs, points, ctx["warm"], ctx["cap"], ctx["rounds"])

    with connections["bench_prepared"].cursor() as c:
        c.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = c.fetchone()[0]
    connections["bench_prepared"].close()
    gen.close()

    svc = ctx["service_codes"]
    bad = sum(differ(c.results, svc) for c in cs if c.name.split(".")[0] not in ("D0", "D3"))
    # The path D6 builds must be the service's path.
    path_bad = checked = 0
    with connection.cursor() as c:
        for x, y in points[:300]:
            c.execute("SELECT * FROM pg_temp.bench_locate_chain(%s, %s)", [x, y])
            r = c.fetchone()
            if r is not None:
                checked += 1
                path_bad += chain_path(r) != locate(x, y).path
        for name in ("bench_locate", "bench_locate_chain", "bench_locate_bare"):
            c.execute(f"DROP FUNCTION pg_temp.{name}(float8, float8)")

    print(table([c.row for c in cs], cs[0].row))
    for c in cs:
        if c.row.note:
            print(f"\nnote — {c.name}: {c.row.note}")
    print(
        f"\nD1, D2 and D4–D10 disagree with the service on {bad} point(s); D6's path "
        f"differs from locate().path on {path_bad} of {checked} checked hits; D9's "
        f"connection held {prepared} server-side prepared statement(s).\n"
    )
    for label, g, c in sorted(ctx["plans"], reverse=True):
        print(
            f"- prepared {label} (contender {'1' if label == 'raw SQL' else '2'}): "
            f"{g:,} executions with the generic plan, {c:,} planned anew (custom plans)"
        )
    sample = points[:200]
    for label, sql in (
        ("raw SQL", RAW_SQL),
        ("LOCATE_SQL", LOCATE_SQL),
        ("LOCATE_SQL without ancestors", no_ancestors),
    ):
        p_us, e_us = plan_split(pg, sql, sample)
        print(
            f"- server side, {label}, point inlined, mean of {len(sample)}: "
            f"planning {p_us:.0f} µs, execution {e_us:.0f} µs"
        )
    if ctx["client"] is not None:
        for label, client in (("session", ctx["client"]), ("token", tclient)):
            with CaptureQueriesContext(connection) as cq:
                client.get(f"{ctx['url']}?lng={points[0][0]!r}&lat={points[0][1]!r}")
            queries = [" ".join(q["sql"].split()) for q in cq.captured_queries]
            print(f"- one API request ({label} auth) runs {len(queries)} statements:")
            for sql in queries:
                print(f"    - `{sql[:100]}{'…' if len(sql) > 100 else ''}`")
    return bad + path_bad


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    import logging

    # No log line per 404.
    django_setup(debug=args.debug, request_log_level=logging.ERROR)

    import numpy as np
    import shapely
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from grids.locate import LOCATE_SQL, locate

    t_start = time.perf_counter()
    cap = args.seconds or None
    db = settings.DATABASES["default"]
    pg = pg_connect(db)
    info = machine_info(pg)
    grids, cells = pg.execute(
        "SELECT (SELECT count(*) FROM grids_area WHERE level = 6),"
        " (SELECT count(*) FROM grids_locatecell)"
    ).fetchone()
    (prov_code, prov_name), pts = draw_points(
        pg, args.warmup + args.points, args.seed, args.outside
    )
    warm, points = pts[: args.warmup], pts[args.warmup :]
    id2code = dict(pg.execute("SELECT id, code FROM grids_area WHERE level = 6").fetchall())

    print("# Locate benchmark (bench/locate.py)\n\n```")
    print("command : " + " ".join(["python", *sys.argv]))
    print(
        f"data    : database {db['NAME']}, {prov_name} {prov_code}, {grids:,} grids, "
        f"{cells:,} locate cells"
    )
    print(
        f"points  : {len(points):,} measured in {args.rounds} round(s) (+{len(warm)} warm-up "
        f"per contender), seed {args.seed}, {args.outside:.0%} in the bounding box; cap "
        f"{cap or '∞'} s per contender; DEBUG={settings.DEBUG}"
    )
    for k, v in info.items():
        print(f"{k:<8}: {v}")
    print("```\n", flush=True)

    cur = pg.cursor()

    def raw(x, y):  # 1.
        r = cur.execute(RAW_SQL, (x, y), prepare=True).fetchone()
        return r[0] if r else None

    def full(x, y):  # 2.
        r = cur.execute(LOCATE_SQL, (x, y), prepare=True).fetchone()
        return r[0] if r else None

    def service(x, y):  # 3.
        r = locate(x, y)
        return r.code if r else None

    cs = [
        Contender("1. raw SQL, psycopg, prepared (reference)", raw),
        Contender("2. LOCATE_SQL, psycopg, prepared", full),
        Contender("3. service locate()", service),
    ]

    client = url = user = api = None
    if not args.no_api:  # 4.
        user = bench_user(prov_code)
        url = reverse("area-locate")
        client = Client(SERVER_NAME="localhost", HTTP_ACCEPT="application/json")
        client.force_login(user)
        api = api_caller(client, url)
        cs.append(Contender("4. API GET /api/v1/areas/locate/ (test Client, session)", api))

    rss0 = _rss_mb()  # 5.
    tree, ids, codes, rank, load = load_strtree(pg)
    rss1 = _rss_mb()

    def strtree(x, y):
        idx = tree.query(shapely.Point(x, y), predicate="intersects")
        if len(idx) == 0:
            return None
        return codes[idx[0]] if len(idx) == 1 else codes[min(idx, key=rank.__getitem__)]

    def hits_of(batch):
        """(point index, tree index) pairs, sorted by point then by code."""
        inp, hit = tree.query(
            shapely.points(np.asarray(batch, dtype=float)), predicate="intersects"
        )
        order = np.lexsort((rank[hit], inp))
        return inp[order], hit[order]

    def bulk(batch):
        inp, hit = hits_of(batch)
        first = np.unique(inp, return_index=True)[1]
        out = [None] * len(batch)
        for i, h in zip(inp[first].tolist(), hit[first].tolist(), strict=True):
            out[i] = codes[h]
        return out

    cs.append(Contender("5a. shapely STRtree, one query per point", strtree))
    cs.append(Contender("5b. shapely STRtree, all points in one query", bulk, batch=True))

    run_rounds(cs, points, warm, cap, args.rounds)
    main_s = time.perf_counter() - t_start
    # How PostgreSQL ran contenders 1 and 2's prepared statements: generic or custom plans.
    plans = [
        ("LOCATE_SQL" if "json_agg" in st else "raw SQL", g, c)
        for st, g, c in pg.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
        ).fetchall()
    ]
    ref, svc = cs[0].row, cs[2].row
    rows = [c.row for c in cs]

    print("## Results\n")
    print(table(rows, ref))
    print(
        f"\nSTRtree load, not in the rows: {load['grids']:,} grid boundaries "
        f"({load['wkb_mb']:.1f} MB of WKB) fetched in {load['fetch_ms']:.0f} ms, decoded in "
        f"{load['decode_ms']:.0f} ms, tree built in {load['build_ms']:.0f} ms; "
        f"process RSS +{rss1 - rss0:.0f} MB."
    )
    for r in rows:
        if r.note:
            print(f"\nnote — {r.name}: {r.note}")

    print("\n## Ratios (time per locate: mean, and p50 in brackets)\n")
    by = {c.name.split(".")[0]: c.row for c in cs}
    pairs = [("service / raw SQL", svc, ref)]
    if "4" in by:
        pairs.append(("API / raw SQL", by["4"], ref))
    pairs.append(("LOCATE_SQL / raw SQL", by["2"], ref))
    if "4" in by:
        pairs.append(("API / service", by["4"], svc))
    pairs.append(("service / STRtree one per point", svc, by["5a"]))
    for label, a, b in pairs:
        print(f"- {label}: {a.mean_us / b.mean_us:.2f}× ({a.pct_us(50) / b.pct_us(50):.2f}×)")
    r = svc.mean_us / ref.mean_us
    print(
        f"\nAim: service within {AIM_RATIO:.0f}× of raw SQL — "
        f"{'met' if r <= AIM_RATIO else 'NOT met'} ({r:.2f}×); "
        f"≥ {AIM_RATE:,} locates/s in one process — "
        f"{'met' if svc.rate >= AIM_RATE else 'NOT met'} ({svc.rate:,.0f}/s)."
    )

    # Agreement, over the points that every contender did; the truth is the STRtree's
    # full hit set (every grid that contains the point).
    inp, hit = hits_of(points)
    hit_sets: list[set] = [set() for _ in points]
    for i, h in zip(inp.tolist(), hit.tolist(), strict=True):
        hit_sets[i].add(int(ids[h]))
    truth = bulk(points)
    common = [i for i in range(len(points)) if all(c.results[i] is not NOT_DONE for c in cs)]
    mismatches = []
    for i in common:
        for c in cs[1:]:
            if c.results[i] != truth[i]:
                mismatches.append((i, c.name, c.results[i], truth[i]))
        rid = cs[0].results[i]
        if (rid is None) != (not hit_sets[i]) or (rid is not None and rid not in hit_sets[i]):
            mismatches.append(
                (i, cs[0].name, id2code.get(rid, rid), sorted(id2code[h] for h in hit_sets[i]))
            )
    hits = sum(1 for i in common if hit_sets[i])
    multi = sum(1 for i in common if len(hit_sets[i]) > 1)
    print(
        f"\n## Agreement\n\nOn the {len(common):,} points every contender did: {hits:,} hits, "
        f"{len(common) - hits:,} misses, {multi} point(s) in more than one grid; "
        f"{len(mismatches)} mismatch(es)."
    )
    for i, label, got, want in mismatches[:20]:
        x, y = points[i]
        print(f"- MISMATCH point #{i} ({x!r}, {y!r}): {label} → {got}, STRtree → {want}")

    bad = 0
    if not args.no_diagnostics:
        bad = diagnostics(
            {
                "points": points,
                "warm": warm,
                "cap": cap,
                "rounds": args.rounds,
                "raw": raw,
                "pg": pg,
                "db": db,
                "service": service,
                "service_codes": cs[2].results,
                "client": client,
                "url": url,
                "user": user,
                "plans": plans,
            }
        )
    if args.profile:
        profile("service locate()", service, points[:1000])
        if api is not None:
            profile("API (test Client, session)", api, points[:1000])

    print(
        f"\n(run time {time.perf_counter() - t_start:.0f} s, of which main contenders "
        f"{main_s:.0f} s; load average at the end "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())})"
    )
    pg.close()
    return 1 if mismatches or bad else 0


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
