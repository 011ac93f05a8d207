"""Benchmark: the 多维研判 API (GET /api/v1/analysis/events/) for a province, a city and a
county, beside a hand-written GROUP BY over the rollups measured in the same run.

Usage (from the project root, on the whole-province bench database with cases and their
rollups, e.g. after `bench/events.py --keep` and `manage.py shell -c "from
governance.figures import figures_reconcile; figures_reconcile()"`; see bench/README.md):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/analysis.py [--samples 40] [--days 365]

Contenders, interleaved sample by sample so a burst of other work lands on all of them:

  - API: the test Client (session, force_login) as a dispatcher of the area (a role that
    needs no second factor at every level), `rows=child&cols=month` (rollup path, one
    statement), `rows=child&cols=category` (rollup path with the merged-case correction)
    and `rows=category&cols=source` (the raw path: one GROUP BY over the cases);
  - reference: the same cells by psycopg (prepared), `SELECT split_part(area_path, …),
    to_char(day, …), sum(n) FROM governance_figurecount WHERE area_path LIKE … GROUP BY`
    (child × month only: the pivot's own statement is the reference of the other two).

Prints p50/p95 per scope and pivot, the ratio of the API's p95 to the reference's, and
whether the totals agree; the aims are p95 ≤ 100 ms and ≤ 2× the reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

from common import (
    bench_database,
    bench_province,
    django_setup,
    fmt,
    md_table,
    percentile,
    pg_connect,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIVOTS = [("child", "month"), ("child", "category"), ("category", "source")]
REF_SQL = """SELECT split_part(area_path, '/', %s), to_char(day, 'YYYY-MM'), sum(n)
    FROM governance_figurecount
    WHERE area_path LIKE %s AND figure = 'events.status' AND key <> 'merged'
      AND day BETWEEN %s AND %s
    GROUP BY 1, 2"""


def ensure_user(username: str, area):
    import secrets

    from django.contrib.auth import get_user_model

    from governance.models import RoleAssignment
    from governance.roles import Role
    from governance.services import role_assign, user_create

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None,
            username=username,
            password=secrets.token_urlsafe(24),
            full_name=username,
            check_password=False,
        )
    RoleAssignment.objects.filter(user=user).exclude(area=area).delete()
    if not RoleAssignment.objects.filter(user=user, area=area).exists():
        role_assign(actor=None, user=user, role=Role.COUNTY_DISPATCHER, area=area)
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    django_setup(request_log_level=40)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from grids.models import Area

    db = bench_database(settings)
    province = bench_province()
    busiest = """SELECT split_part(area_path, '/', %s), sum(n) FROM governance_figurecount
        WHERE area_path LIKE %s AND figure = 'events.status' GROUP BY 1 ORDER BY 2 DESC LIMIT 1"""
    with connection.cursor() as cur:
        cur.execute(busiest, [2, province.path + "%"])
        city = Area.objects.defer("boundary").get(code=cur.fetchone()[0])
        cur.execute(busiest, [3, city.path + "%"])
        county = Area.objects.defer("boundary").get(code=cur.fetchone()[0])
    to = timezone.localdate()
    start = to - timedelta(days=args.days - 1)
    pg = pg_connect(db)
    rows = []
    for area in (province, city, county):
        user = ensure_user(f"bench_analysis_{area.level}", area)
        client = Client(SERVER_NAME="localhost", HTTP_ACCEPT="application/json")
        client.force_login(user)
        lat = {p: [] for p in PIVOTS} | {"ref": []}
        totals = {}
        for _i in range(args.samples):
            for p in PIVOTS:
                url = (
                    f"/api/v1/analysis/events/?area={area.code}&rows={p[0]}&cols={p[1]}"
                    f"&from={start}&to={to}"
                )
                t0 = time.perf_counter_ns()
                r = client.get(url)
                lat[p].append(time.perf_counter_ns() - t0)
                if r.status_code != 200:
                    sys.exit(f"{url}: {r.status_code} {r.content[:300]!r}")
                totals[p] = r.json()["total"]
            t0 = time.perf_counter_ns()
            ref = pg.execute(
                REF_SQL, (area.level + 1, area.path + "%", start, to), prepare=True
            ).fetchall()
            lat["ref"].append(time.perf_counter_ns() - t0)
            totals["ref"] = sum(int(n) for _c, _m, n in ref)
        ref95 = percentile(lat["ref"], 95)
        rows.append(
            [
                area.name,
                "reference GROUP BY",
                fmt(percentile(lat["ref"], 50), 2),
                fmt(ref95, 2),
                "1.00",
                totals["ref"],
            ]
        )
        for p in PIVOTS:
            p95 = percentile(lat[p], 95)
            agree = "" if p != PIVOTS[0] else (" ✓" if totals[p] == totals["ref"] else " ✗")
            rows.append(
                [
                    area.name,
                    f"API {p[0]} × {p[1]}",
                    fmt(percentile(lat[p], 50), 2),
                    fmt(p95, 2),
                    fmt(p95 / ref95 if ref95 else None, 2),
                    f"{totals[p]}{agree}",
                ]
            )
    print(f"\n{args.samples} samples, {start} – {to}\n")
    print(
        md_table(["scope", "contender", "p50 ms", "p95 ms", "p95 / ref", "total"], "llrrrr", rows)
    )


if __name__ == "__main__":
    main()
