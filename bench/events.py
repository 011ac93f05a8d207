"""Benchmark: reporting events and reading inboxes at province scale, each beside a
reference measured in the same run.

Usage (from the project root, on the whole-province bench database, see bench/README.md;
run `manage.py migrate` and `manage.py seed_calendar` on it first):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/events.py [--reports 2000] [--events 1000000] [--samples 40]

About 4.5 minutes on 2 cores with the defaults. Results: docs/performance-events.md.

0. Data. --events cases (default 1,000,000) are generated first, set-based: one
   INSERT ... SELECT from generate_series joined to the grids and the leaf categories
   (statuses by age, holder = the category's accepting unit, deadlines and due_state
   from the step; see GENERATE_SQL), with the secondary indexes dropped and rebuilt in
   the same transaction, then VACUUM ANALYZE and CHECKPOINT. Both parts below run
   against this table, i.e. at province scale.

1. Reporting throughput. --reports points, each the stored inner point (`centroid`) of
   a grid picked at random in SQL (seeded), category 0101 (accepted by the village),
   reported by a COUNTY_DISPATCHER of the province (user `bench_event_reporter`):
     a. through the API, POST /api/v1/events/ in-process (django.test.Client,
        force_login, session);
     b. through the service events.services.event_report() called directly;
   and, as the reference, the same events rows (same columns; grid, accepting unit and
   deadline precomputed) written by psycopg outside Django:
     c. INSERT, one row per transaction (autocommit): the floor of "one report, one
        commit";
     d. INSERT with executemany, one transaction per round (the reference of the ratios);
     e. COPY, one transaction per round.
   The contenders take turns in --rounds slices of the points, so a burst of other work
   on the machine lands on all of them. One WebhookSubscription ("event.*") of a
   province department makes every report write one delivery and queue its task to
   Redis on commit (not delivered: no worker, eager mode off; the queue is purged
   afterwards). One village-staff user per village (created once, set-based) makes
   every report notify someone, as in production. A diagnostic pass then splits the
   cost of a report: queries (CaptureQueriesContext), time in SQL by statement, in
   COMMIT, in queuing to Redis, in Python, and for the API inside/around the service.

2. Inbox latency. p50/p95 of, for the staff of the busiest village (box=todo), the
   dispatcher of the busiest county (box=todo) and the leader of the busiest city
   (box=all):
     - ORM: selectors.inbox(...)[:20] + .count(), as the API's paginator does;
     - the same with proposal A (shared pks and held units resolved first) and A + B
       (no area geometries in the rows): functions replaced in this process only, see
       proposed_guardian_shared_pks, proposed_held_by_user_q, AREA_GEOMETRIES;
     - API: GET /api/v1/events/?box=...&limit=20 (test Client, session);
     - reference: hand-written SQL through psycopg (prepared), same page and count.
   The contenders are interleaved; a slow one stops after --case-seconds, a statement
   over --statement-timeout counts as timed out. Results must agree (numbers of the
   page and count); exit status 1 otherwise. Then EXPLAIN (ANALYZE, BUFFERS) of the
   slowest statement that finished, a plain EXPLAIN of one that timed out, and the
   --try-index candidates, each built in a transaction that is rolled back.

Clean-up: the generated events ("BM…") are deleted at the end (then VACUUM ANALYZE)
unless --keep (a later run reuses kept rows when --events matches); what the reporting
part wrote (events, traces, notifications, deliveries) always. Audit rows stay
(append-only by trigger). The bench users, departments and subscription stay for the
next run.

DEBUG is off unless --debug. The Celery broker is Redis database 15 unless REDIS_URL is
set, so that the purge cannot drop anyone else's task messages. Refuses to run on a
database whose name lacks "bench"."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    TimedRow,
    bench_database,
    bench_province,
    django_setup,
    fmt,
    host_info,
    md_table,
    percentile,
    pg_connect,
)
from datagen import GENERATE_SQL, bulk_insert

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Generated events are numbered 'BM' || lpad(i, 10, '0').
REF_PREFIX = "BX"  # rows of the INSERT/COPY references (deleted after each round)
REPORTER = "bench_event_reporter"
INBOX_USERS = {
    "village": "bench_inbox_village",
    "county": "bench_inbox_county",
    "city": "bench_inbox_city",
}
VILLAGE_STAFF_PREFIX = "bench_vs_"
WEBHOOK_DEPARTMENT = "BENCH-PROV-WEBHOOK"
CATEGORY = "0101"
PAGE = 20
clock = time.perf_counter_ns

# The columns the service writes for a new report (the rest keep their defaults: NULL).
REF_COLUMNS = (
    "number",
    "title",
    "description",
    "source",
    "urgency",
    "location",
    "address",
    "area_path",
    "reporter_id",
    "reporter_name",
    "reporter_phone",
    "tracking_code",
    "status",
    "current_area_id",
    "step_started_at",
    "step_deadline",
    "due_state",
    "suspend_reason",
    "result",
    "reported_at",
    "updated_at",
    "grid_id",
    "category_id",
)
REF_INSERT = (
    f"INSERT INTO events_event ({', '.join(REF_COLUMNS)}) VALUES "
    "(%s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s, %s, %s,"
    " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
REF_COPY = f"COPY events_event ({', '.join(REF_COLUMNS)}) FROM STDIN"

# ----------------------------------------------------------------------------- data

# ----------------------------------------------------------------------------- args


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--reports",
        type=int,
        default=2000,
        help="events reported by each of API and service (default 2,000)",
    )
    p.add_argument(
        "--events",
        type=int,
        default=1_000_000,
        help="events generated for the inbox part (default 1,000,000; 0 skips the inbox part)",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=40,
        help="calls per inbox contender and user (default 40, + 3 warm-up)",
    )
    p.add_argument(
        "--case-seconds",
        type=float,
        default=5.0,
        help="stop sampling an inbox contender for a user once it has spent this "
        "long (default 5 s; it still gets at least one measured call)",
    )
    p.add_argument(
        "--statement-timeout",
        type=float,
        default=6.0,
        help="statement_timeout in seconds for the inbox part (default 6): a "
        "contender that hits it is reported as timed out",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="slices of the reports, each run by every contender in turn (default 4)",
    )
    p.add_argument(
        "--diagnostic-reports",
        type=int,
        default=100,
        help="reports of the cost-split pass, each for service and API (default 100; 0 skips it)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated events (a later run with the same --events reuses them)",
    )
    p.add_argument(
        "--try-index",
        action="append",
        default=None,
        metavar="SQL",
        help="CREATE INDEX statement to try on the slowest inbox statement, "
        "inside a transaction that is rolled back (repeatable; default: "
        "the recommendation below; 'none' for none)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        help="run with DEBUG=True (the dev settings' default) instead of False",
    )
    args = p.parse_args(argv)
    if args.reports < args.rounds or args.rounds < 1 or args.events < 0 or args.samples < 1:
        p.error("--reports >= --rounds >= 1, --events >= 0, --samples >= 1")
    return args


# Candidate for the todo boxes: the filter is current_area_id = ANY(units) AND
# current_department_id IS NULL AND status IN (...), the order step_deadline,
# reported_at DESC. The existing (current_area_id, status) index finds the rows but
# not in order; this one could return the page of a unit in order. Measured, it saves
# 0-2 ms (docs/performance-events.md): not recommended.
DEFAULT_TRY_INDEX = [
    "CREATE INDEX bench_try_todo ON events_event (current_area_id, step_deadline, "
    "reported_at DESC) WHERE current_department_id IS NULL AND status IN "
    "('pending_review', 'reported', 'accepted', 'dispatched', 'handling')",
]


# ----------------------------------------------------------------------------- timing


@dataclass
class Row(TimedRow):
    """n: events written / calls made; lat_ns per call (empty for batch rows)."""

    rounds: list[float] = field(default_factory=list)  # events/s of each round

    @property
    def mean_ms(self) -> float:
        return self.mean("ms")

    def pct_ms(self, q: float) -> float | None:
        return self.pct(q, "ms")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- setup


def machine_info(pg) -> dict:
    info = host_info(pg)
    conf = dict(
        pg.execute(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'synchronous_commit', 'jit', 'random_page_cost')"
        ).fetchall()
    )
    info["postgres"] += "; " + ", ".join(f"{k}={v}" for k, v in sorted(conf.items()))
    return info


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def ensure_user(username: str, role: str, area, *, full_name: str):
    """A bench user holding exactly one role, in `area` (created once, reused)."""
    from django.contrib.auth import get_user_model

    from governance.models import RoleAssignment
    from governance.services import role_assign, user_create

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None,
            username=username,
            password=secrets.token_urlsafe(24),
            full_name=full_name,
            check_password=False,
        )
    RoleAssignment.objects.filter(user=user).exclude(role=role, area=area).delete()
    role_assign(actor=None, user=user, role=role, area=area)
    return user


def ensure_fixtures(pg, province):
    """Reporter, one village-staff user per village, county departments and the webhook
    subscription; all reused by later runs."""
    from governance.models import Department
    from governance.roles import Role
    from governance.services import department_create
    from integrations.models import WebhookSubscription
    from integrations.services import webhook_subscription_create

    reporter = ensure_user(REPORTER, Role.COUNTY_DISPATCHER, province, full_name="bench 省级调度员")
    # One staff member per village, set-based (unusable password: never logs in).
    with pg.transaction():
        pg.execute(
            "INSERT INTO governance_user (password, is_superuser, username, first_name,"
            " last_name, email, is_staff, is_active, date_joined, full_name, phone,"
            " failed_logins)"
            " SELECT '!bench', false, %s || a.code, '', '', '', false, true, now(),"
            " left(a.name, 40) || '工作人员', '', 0 FROM grids_area a WHERE a.level = 5"
            " ON CONFLICT (username) DO NOTHING",
            (VILLAGE_STAFF_PREFIX,),
        )
        pg.execute(
            "INSERT INTO governance_roleassignment (user_id, role, area_id, created_at)"
            " SELECT u.id, 'village_staff', a.id, now() FROM grids_area a"
            " JOIN governance_user u ON u.username = %s || a.code WHERE a.level = 5"
            " ON CONFLICT ON CONSTRAINT uniq_user_role_area DO NOTHING",
            (VILLAGE_STAFF_PREFIX,),
        )
        pg.execute(
            "INSERT INTO governance_department (code, name, area_id)"
            " SELECT 'BENCH-' || a.code || '-CGJ', left(a.name, 80) || '城市管理局', a.id"
            " FROM grids_area a WHERE a.level = 3 ON CONFLICT (code) DO NOTHING"
        )
    dept = Department.objects.filter(code=WEBHOOK_DEPARTMENT).first()
    if dept is None:
        dept = department_create(
            actor=None, code=WEBHOOK_DEPARTMENT, name="bench 省政务数据局", area=province
        )
    sub = WebhookSubscription.objects.filter(department=dept, active=True).first()
    if sub is None:
        sub, _secret = webhook_subscription_create(
            actor=None,
            department=dept,
            url="http://127.0.0.1:9/",
            event_types=["event.*"],
            name="bench",
        )
    return reporter, sub


def draw_points(pg, n: int, seed: int):
    """n grids at random (seeded, in SQL) and their stored inner point."""
    pg.execute("SELECT setseed(%s)", (((seed % 1000) / 1000.0),))
    return pg.execute(
        "SELECT g.id, g.code, g.path, v.id, ST_X(g.centroid), ST_Y(g.centroid)"
        " FROM (SELECT id FROM grids_area WHERE level = 6 AND centroid IS NOT NULL"
        "       ORDER BY id) ids, LATERAL (SELECT random() AS r) rnd,"
        " grids_area g JOIN grids_area v ON v.id = g.parent_id"
        " WHERE g.id = ids.id ORDER BY rnd.r LIMIT %s",
        (n,),
    ).fetchall()


# ----------------------------------------------------------------------------- part 1


def reporting(args, pg, province, out):
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from events.models import Event, EventCategory, Source
    from events.services import event_report
    from governance.celery import app as celery_app
    from governance.models import Notification
    from integrations.models import WebhookDelivery
    from integrations.tasks import deliver_webhook_task
    from workcalendar.workdays import get_calendar

    reporter, sub = ensure_fixtures(pg, province)
    category = EventCategory.objects.get(code=CATEGORY)
    warm_n = 20
    diag_n = args.diagnostic_reports
    pts = draw_points(pg, warm_n + args.reports + diag_n, args.seed)
    warm, points, diag = (
        pts[:warm_n],
        pts[warm_n : warm_n + args.reports],
        pts[warm_n + args.reports :],
    )
    url = reverse("event-list")
    client = Client(SERVER_NAME="localhost", HTTP_ACCEPT="application/json")
    client.force_login(reporter)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    # Messages waiting in the three queues (settings CELERY_TASK_ROUTES).
    def waiting() -> int:
        return sum(broker.llen(q) for q in ("interactive", "webhooks", "batch"))

    queued_before = waiting()
    t_start = timezone.now()
    first_id = pg.execute("SELECT coalesce(max(id), 0) FROM events_event").fetchone()[0]
    mismatched = {"api": 0, "service": 0}

    def api(p):
        _id, code, _path, _v, x, y = p
        r = client.post(
            url,
            {
                "title": "楼上漏水邻里纠纷",
                "category": CATEGORY,
                "lng": x,
                "lat": y,
                "description": "三楼漏水到二楼",
            },
            content_type="application/json",
        )
        if r.status_code != 201:
            raise RuntimeError(f"API answered {r.status_code}: {r.content[:300]!r}")
        if json.loads(r.content)["grid"] != code:
            mismatched["api"] += 1
        return r

    def service(p):
        grid_id, _code, _path, _v, x, y = p
        e = event_report(
            actor=reporter,
            title="楼上漏水邻里纠纷",
            category=category,
            source=Source.API,
            lng=x,
            lat=y,
            description="三楼漏水到二楼",
        )
        if e.grid_id != grid_id:
            mismatched["service"] += 1
        return e

    # The reference rows: what the service writes into events_event, precomputed.
    deadline = get_calendar().add_work_hours(timezone.now(), category.accept_hours)
    tag = secrets.token_hex(3)
    seq = iter(range(10**8))

    def ref_rows(batch):
        now = timezone.now()
        return [
            (
                f"{REF_PREFIX}{tag}{next(seq):08d}",
                "楼上漏水邻里纠纷",
                "三楼漏水到二楼",
                "api",
                "normal",
                x,
                y,
                "",
                path,
                reporter.pk,
                str(reporter),
                "",
                "",
                "reported",
                village,
                now,
                deadline,
                "on_time",
                "",
                "",
                now,
                now,
                grid_id,
                category.pk,
            )
            for grid_id, _code, path, village, x, y in batch
        ]

    wcur = pg.cursor()

    def ref_single(batch):
        for row in ref_rows(batch):
            wcur.execute(REF_INSERT, row, prepare=True)

    def ref_many(batch):
        with pg.transaction():
            wcur.executemany(REF_INSERT, ref_rows(batch))

    def ref_copy(batch):
        rows = ref_rows(batch)
        with pg.transaction(), wcur.copy(REF_COPY) as cp:
            for r in rows:
                cp.write_row((*r[:5], f"SRID=4326;POINT({r[5]!r} {r[6]!r})", *r[7:]))

    def ref_cleanup():
        pg.execute("DELETE FROM events_event WHERE number LIKE %s", (REF_PREFIX + "%",))

    rows = {
        k: Row(name)
        for k, name in (
            ("api", "a. API POST /api/v1/events/ (test Client, session)"),
            ("service", "b. service event_report()"),
            ("single", "c. INSERT, 1 row per transaction (psycopg)"),
            ("many", "d. INSERT executemany, 1 transaction per round (reference)"),
            ("copy", "e. COPY, 1 transaction per round"),
        )
    }
    per_call = {"api": api, "service": service}
    batch_fn = {"single": ref_single, "many": ref_many, "copy": ref_copy}

    log(f"reporting: {len(points):,} points in {args.rounds} rounds, warm-up {warm_n}")
    for p in warm:  # warm-up: every code path and statement once
        api(p), service(p)
    ref_single(warm[:5]), ref_many(warm[:5]), ref_copy(warm[:5]), ref_cleanup()
    for r in range(args.rounds):
        batch = points[r :: args.rounds]
        for key in ("api", "service"):
            fn, row = per_call[key], rows[key]
            t0 = clock()
            for p in batch:
                s = clock()
                fn(p)
                row.lat_ns.append(clock() - s)
            row.wall_ns += clock() - t0
            row.n += len(batch)
            row.rounds.append(len(batch) / ((clock() - t0) / 1e9))
        for key, fn in batch_fn.items():
            row = rows[key]
            t0 = clock()
            fn(batch)
            d = clock() - t0
            row.wall_ns += d
            row.n += len(batch)
            row.rounds.append(len(batch) / (d / 1e9))
            ref_cleanup()
        log(
            f"  round {r + 1}/{args.rounds}: "
            + ", ".join(f"{k} {v.rate:,.0f}/s" for k, v in rows.items())
        )

    # -- diagnostic pass: where a report's time goes --------------------------------
    split = {}
    if diag:
        stmt_ns: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        acc = {"sql": 0, "commit": 0, "redis": 0, "service": 0}
        import events.services as event_services

        def wrapper(execute, sql, params, many, context):
            s = clock()
            try:
                return execute(sql, params, many, context)
            finally:
                d = clock() - s
                acc["sql"] += d
                k = stmt_key(sql)
                stmt_ns[k][0] += d
                stmt_ns[k][1] += 1

        from django.db import connections

        wrapper_db = connections["default"]
        orig_commit = wrapper_db._commit
        task = deliver_webhook_task._get_current_object()  # the Task behind the proxy
        orig_queue = task.apply_async

        def timed_commit():
            s = clock()
            try:
                return orig_commit()
            finally:
                acc["commit"] += clock() - s

        def timed_report(**kw):
            s = clock()
            try:
                return event_report(**kw)
            finally:
                acc["service"] += clock() - s

        def timed_queue(*a, **kw):
            s = clock()
            try:
                return orig_queue(*a, **kw)
            finally:
                acc["redis"] += clock() - s

        for key, fn in (("service", service), ("api", api)):
            stmt_ns.clear()
            acc.update(sql=0, commit=0, redis=0, service=0)
            queries = 0
            wrapper_db._commit = timed_commit  # instance attribute, removed below
            task.apply_async = timed_queue  # instance attribute, removed below
            event_services.event_report = timed_report  # what the view calls
            try:
                with connection.execute_wrapper(wrapper):
                    t0 = clock()
                    for p in diag:
                        with CaptureQueriesContext(connection) as cq:
                            fn(p)
                        queries += len(cq.captured_queries)
                    total = clock() - t0
            finally:
                del wrapper_db._commit
                del task.apply_async
                event_services.event_report = event_report
            n = len(diag)
            split[key] = {
                "n": n,
                "queries": queries / n,
                "total_ms": total / n / 1e6,
                "sql_ms": acc["sql"] / n / 1e6,
                "commit_ms": acc["commit"] / n / 1e6,
                "redis_ms": acc["redis"] / n / 1e6,
                "service_ms": acc["service"] / n / 1e6,
                "stmts": sorted(
                    ((k, v[0] / n / 1e6, v[1] / n) for k, v in stmt_ns.items()), key=lambda t: -t[1]
                ),
            }
            log(f"  diagnostics {key}: {queries / n:.1f} queries, {total / n / 1e6:.1f} ms")

    # -- checks ---------------------------------------------------------------------
    n_reported = Event.objects.filter(
        id__gt=first_id, reporter=reporter, reported_at__gte=t_start
    ).count()
    n_deliveries = WebhookDelivery.objects.filter(subscription=sub, created_at__gte=t_start).count()
    n_notes = Notification.objects.filter(
        created_at__gte=t_start, user__username__startswith="bench_"
    ).count()
    queued = waiting() - queued_before
    purged = celery_app.control.purge()

    ref = rows["many"]
    out["report_rows"] = rows
    out["report_ref"] = ref
    out["report_split"] = split
    out["report_checks"] = {
        "reported": n_reported,
        "deliveries": n_deliveries,
        "notifications": n_notes,
        "queued_to_redis": queued,
        "purged": purged,
        "grid_mismatch": mismatched,
        "points": len(points),
        "warm": warm_n,
        "diag": len(diag),
    }


def cleanup_reported(pg) -> int:
    """Remove what the reporting part wrote (this run's or a crashed run's): the events
    of the bench reporter and of the references, their traces, the notifications of
    bench users, the deliveries of the bench subscription. Audit rows stay."""
    with pg.transaction():
        ids = [
            r[0]
            for r in pg.execute(
                "SELECT e.id FROM events_event e"
                " LEFT JOIN governance_user u ON u.id = e.reporter_id"
                " WHERE u.username = %s OR e.number LIKE %s",
                (REPORTER, REF_PREFIX + "%"),
            ).fetchall()
        ]
        pg.execute("DELETE FROM events_trace WHERE event_id = ANY(%s)", (ids,))
        pg.execute("DELETE FROM events_event WHERE id = ANY(%s)", (ids,))
        pg.execute(
            "DELETE FROM governance_notification WHERE user_id IN"
            " (SELECT id FROM governance_user WHERE username LIKE 'bench\\_%%')"
        )
        pg.execute(
            "DELETE FROM integrations_webhookattempt WHERE delivery_id IN"
            " (SELECT d.id FROM integrations_webhookdelivery d"
            "  JOIN integrations_webhooksubscription s ON s.id = d.subscription_id"
            "  JOIN governance_department p ON p.id = s.department_id WHERE p.code = %s)",
            (WEBHOOK_DEPARTMENT,),
        )
        pg.execute(
            "DELETE FROM integrations_webhookdelivery WHERE subscription_id IN"
            " (SELECT s.id FROM integrations_webhooksubscription s"
            "  JOIN governance_department p ON p.id = s.department_id WHERE p.code = %s)",
            (WEBHOOK_DEPARTMENT,),
        )
    return len(ids)


def stmt_key(sql: str) -> str:
    """'INSERT events_event', 'SELECT grids_locatecell', ... for grouping statements."""
    s = sql.lstrip().upper()
    verb = s.split(None, 1)[0] if s else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    m = re.search(r'\b(?:INTO|FROM|UPDATE)\s+"?([A-Za-z0-9_]+)"?', sql, re.IGNORECASE)
    table = m.group(1).lower() if m else ""
    if verb == "SELECT" and "NEXTVAL" in s:
        table = "nextval(number seq)"
    if verb == "SELECT" and "GRIDS_LOCATECELL" in s:
        table = "grids_locatecell (locate)"
    return f"{verb} {table}".strip()


# ----------------------------------------------------------------------------- part 2


def generate(args, pg, out) -> None:
    have = pg.execute("SELECT count(*) FROM events_event WHERE number LIKE 'BM%'").fetchone()[0]
    if have == args.events:
        log(f"generate: reusing {have:,} kept events")
        out["generated"] = {"n": have, "reused": True}
        pg.execute("VACUUM ANALYZE events_event")
        return
    if have:
        log(f"generate: removing {have:,} events of an earlier run first")
        msg = drop_generated(pg)
        if "NOT removed" in msg:
            sys.exit(msg)
    log(f"generate: {args.events:,} events, set-based ...")
    t0 = time.perf_counter()
    # One transaction: the secondary indexes are dropped, the rows inserted without
    # row-by-row foreign-key checks, then the indexes rebuilt (bench/datagen.py).
    done = bulk_insert(pg, "events_event", GENERATE_SQL, {"n": args.events}, seed=args.seed)
    t1 = t0 + done["insert"]
    t2 = t1 + done["indexes_s"]
    indexes = range(done["n_indexes"])
    pg.execute("VACUUM ANALYZE events_event")  # as autovacuum would: visibility map, stats
    # Write the load's ~1 GB of dirty pages and WAL out now, not during the measurements.
    pg.execute("CHECKPOINT")
    t3 = time.perf_counter()
    size = pg.execute(
        "SELECT pg_size_pretty(pg_table_size('events_event')),"
        " pg_size_pretty(pg_indexes_size('events_event'))"
    ).fetchone()
    out["generated"] = {
        "n": args.events,
        "insert": t1 - t0,
        "indexes_s": t2 - t1,
        "vacuum": t3 - t2,
        "reused": False,
        "table": size[0],
        "indexes": size[1],
        "n_indexes": len(indexes),
    }
    log(
        f"  {t1 - t0:.1f} s insert, {t2 - t1:.1f} s {len(indexes)} indexes, "
        f"{t3 - t2:.1f} s VACUUM ANALYZE + CHECKPOINT; table {size[0]}, indexes {size[1]}"
    )


def drop_generated(pg) -> str:
    """Remove the generated events, then VACUUM. Nothing refers to them (checked:
    traces, attachments, cards, visits, merges), so the row-by-row foreign-key checks
    of the DELETE are skipped (replica role); if something does, they stay. (No
    TRUNCATE: other apps' tables reference events_event.)"""
    t0 = time.perf_counter()
    with pg.transaction():
        referencing = [
            (r[0], r[1])
            for r in pg.execute(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " WHERE c.contype = 'f' AND c.confrelid = 'events_event'::regclass"
                " AND c.conrelid <> 'events_event'::regclass ORDER BY 1"
            ).fetchall()
        ]
        bm = "(SELECT id FROM events_event WHERE number LIKE 'BM%')"
        refs = pg.execute(
            "SELECT "
            + " + ".join(f"(SELECT count(*) FROM {t} WHERE {c} IN {bm})" for t, c in referencing)
            + f" + (SELECT count(*) FROM events_event WHERE merged_into_id IN {bm})"
        ).fetchone()[0]
        if refs:  # someone acted on generated cases: leave them to a person
            return (
                f"generated events NOT removed: {refs} rows of other tables refer to "
                "them; remove those first (DELETE FROM events_event WHERE number "
                "LIKE 'BM%')."
            )
        pg.execute("SET LOCAL session_replication_role = replica")
        pg.execute("DELETE FROM events_event WHERE number LIKE 'BM%'")
        how = "DELETE (replica role: no row-by-row FK checks)"
    t1 = time.perf_counter()
    pg.execute("VACUUM ANALYZE events_event")
    return (
        f"generated events removed by {how} in {t1 - t0:.1f} s, VACUUM ANALYZE "
        f"{time.perf_counter() - t1:.1f} s."
    )


def busiest(pg):
    """The busiest village and county (most cases in their todo box) and the city with
    most cases: the users whose inboxes are measured."""
    waiting = "('pending_review', 'reported', 'accepted', 'dispatched', 'handling')"
    village = pg.execute(
        "SELECT a.code FROM events_event e JOIN grids_area a ON a.id = e.current_area_id"
        f" WHERE a.level = 5 AND e.current_department_id IS NULL AND e.status IN {waiting}"
        " GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1"
    ).fetchone()
    county = pg.execute(
        "SELECT a.code FROM events_event e JOIN grids_area a ON a.id = e.current_area_id"
        f" WHERE a.level = 3 AND e.current_department_id IS NULL AND e.status IN {waiting}"
        " GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1"
    ).fetchone()
    city = pg.execute(
        "SELECT split_part(area_path, '/', 2) FROM events_event"
        " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()
    if not (village and county and city):
        raise SystemExit("no todo cases at village/county level: generate events first")
    return village[0], county[0], city[0]


PAGE_COLUMNS = """e.id, e.number, e.title, c.name, e.status, e.urgency, g.code,
       coalesce(d.name, a.name), e.step_deadline, e.deadline, e.due_state, e.reported_at
FROM events_event e
JOIN events_eventcategory c ON c.id = e.category_id
JOIN grids_area g ON g.id = e.grid_id
JOIN grids_area a ON a.id = e.current_area_id
LEFT JOIN governance_department d ON d.id = e.current_department_id"""
REF_UNITS = (
    "SELECT coalesce(array_agg(area_id) FILTER (WHERE role = ANY(%s)), '{}'),"
    " coalesce(array_agg(department_id) FILTER (WHERE role = 'department_handler'"
    " AND department_id IS NOT NULL), '{}') FROM governance_roleassignment"
    " WHERE user_id = %s"
)
REF_TODO_PAGE = (
    f"SELECT {PAGE_COLUMNS}\nWHERE e.current_area_id = ANY(%s)"
    " AND e.current_department_id IS NULL AND e.status = ANY(%s)"
    f" ORDER BY e.step_deadline, e.reported_at DESC LIMIT {PAGE}"
)
REF_TODO_COUNT = (
    "SELECT count(*) FROM events_event e WHERE e.current_area_id = ANY(%s)"
    " AND e.current_department_id IS NULL AND e.status = ANY(%s)"
)
REF_ALL_PAGE = (
    f"SELECT {PAGE_COLUMNS}\nWHERE e.area_path >= %s AND e.area_path < %s"
    f" ORDER BY e.step_deadline, e.reported_at DESC LIMIT {PAGE}"
)
REF_ALL_COUNT = "SELECT count(*) FROM events_event e WHERE e.area_path >= %s AND e.area_path < %s"


ORM = "ORM selectors.inbox()[:20] + count()"
ORM_FIX = "ORM + proposal A: shared pks and held units resolved first"
ORM_FIX2 = "ORM + proposals A and B: … and no area geometries in the rows"
API = "API GET /api/v1/events/?box=…&limit=20"
REF = "SQL reference (psycopg, prepared)"


def proposed_guardian_shared_pks(model, user, action):
    """What governance.scoping._guardian_shared_pks could return instead: the list of
    primary keys shared with the user, read from guardian's tables (object_pk cast to
    the key's type) in one small query; usually empty.

    Today it returns get_objects_for_user(...).values("pk"): `events_event.id IN (SELECT
    W0.id FROM events_event W0 WHERE W0.id::varchar IN (...) OR W0.id::varchar IN
    (...))`. To evaluate it PostgreSQL reads every id of the events table (the cast and
    the OR rule out an index), in every scoped statement; and `area_path LIKE 'x/%' OR
    <sub-select>` cannot use the area_path index, so a count over a city is a full scan.
    An empty list drops out of the SQL (Django removes `pk IN ()` from an OR); a short
    list keeps an indexable `OR id IN (1, 2, 3)`.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from governance.roles import Action

    if user is None or not user.is_authenticated or action not in (Action.VIEW, Action.CHANGE):
        return None
    where = {
        "permission__content_type": ContentType.objects.get_for_model(model),
        "permission__codename": f"{action}_{model._meta.model_name}",
    }
    pk = Cast("object_pk", output_field=BigIntegerField())
    by_user = UserObjectPermission.objects.filter(user=user, **where).values_list(pk, flat=True)
    by_group = GroupObjectPermission.objects.filter(group__user=user, **where).values_list(
        pk, flat=True
    )
    return list(by_user.union(by_group))


AREA_GEOMETRIES = (
    "grid__boundary",
    "grid__boundary_simple",
    "grid__centroid",
    "current_area__boundary",
    "current_area__boundary_simple",
    "current_area__centroid",
)


def proposed_held_by_user_q(user):
    """What events.selectors._held_by_user_q could return instead: the user's unit and
    department ids as literals (one small query), so that `current_area_id IN (…) AND
    status IN (…)` can use an index, instead of `(current_area_id IN (SELECT …) AND
    current_department_id IS NULL) OR current_department_id IN (SELECT …)`."""
    from django.db.models import Q

    from governance.models import RoleAssignment
    from governance.roles import UNIT_ROLES, Role

    rows = list(
        RoleAssignment.objects.filter(user=user).values_list("role", "area_id", "department_id")
    )
    units = sorted({a for r, a, _d in rows if r in UNIT_ROLES})
    depts = sorted({d for r, _a, d in rows if r == Role.DEPARTMENT_HANDLER and d})
    q = Q(current_department__isnull=True, current_area_id__in=units)
    if depts:
        q |= Q(current_department_id__in=depts)
    return q


def plan_summary(lines: list[str]) -> list[str]:
    """The lines of a plan worth reading: the executed nodes, the filters and index
    conditions on events_event's columns, rows removed, the top node's buffers,
    planning and execution time."""
    cols = re.compile(
        r"area_path|current_area|current_department|status|step_deadline|"
        r"W0|w0"
    )
    out, buffers_seen = [], False
    for line in lines:
        t = line.strip()
        if not line.startswith(" ") or (t.startswith("->") and "never executed" not in t):
            out.append(line)
        elif t.startswith("Buffers:") and not buffers_seen:
            out.append(line)
            buffers_seen = True
        elif (
            t.startswith(
                ("Rows Removed", "Planning Time", "Execution Time", "SubPlan", "Heap Fetches")
            )
            and "Heap Fetches: 0" not in t
        ):
            out.append(line)
        elif t.startswith(
            ("Filter:", "Index Cond:", "Sort Key:", "Presorted Key:")
        ) and cols.search(t):
            out.append(line)
    return out


def inbox_part(args, pg, province, out) -> int:
    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    import governance.scoping as scoping
    from events import selectors
    from events.models import Status
    from governance.roles import UNIT_ROLES, Role
    from grids.models import Area

    log("inbox: choosing the busiest units ...")
    v_code, c_code, city_code = busiest(pg)
    areas = {
        a.code: a
        for a in Area.objects.defer("boundary", "boundary_simple").filter(
            code__in=[v_code, c_code, city_code]
        )
    }
    users = {
        "village": ensure_user(
            INBOX_USERS["village"], Role.VILLAGE_STAFF, areas[v_code], full_name="bench 村工作人员"
        ),
        "county": ensure_user(
            INBOX_USERS["county"], Role.COUNTY_DISPATCHER, areas[c_code], full_name="bench 县调度员"
        ),
        "city": ensure_user(
            INBOX_USERS["city"], Role.CITY_LEADER, areas[city_code], full_name="bench 市领导"
        ),
    }
    unit_of = {"village": areas[v_code], "county": areas[c_code], "city": areas[city_code]}
    scenarios = [("village", "todo"), ("county", "todo"), ("city", "all")]
    waiting = [
        str(s)
        for s in (
            Status.PENDING_REVIEW,
            Status.REPORTED,
            Status.ACCEPTED,
            Status.DISPATCHED,
            Status.HANDLING,
        )
    ]
    unit_roles = sorted(str(r) for r in UNIT_ROLES)
    url = reverse("event-list")
    city_path = areas[city_code].path
    cur = pg.cursor()
    bad = 0
    results = []
    original = scoping._guardian_shared_pks, selectors._held_by_user_q
    original_list = selectors.event_list

    def event_list_without_geometries(*, user):
        """Proposal B: event_list() selects the grid and the current unit with their
        boundaries (a county's is ~70 kB, plus a 9 kB simplified copy) for every row;
        the lists need code and name only."""
        return original_list(user=user).defer(*AREA_GEOMETRIES)

    def orm(user, box):
        scoping.clear_role_cache(user)  # a request starts with an empty cache
        qs = selectors.inbox(user=user, box=box)
        s = clock()
        page = [e.number for e in qs[:PAGE]]
        m = clock()
        n = qs.count()
        return page, n, m - s, clock() - m

    def orm_fixed(user, box):
        scoping._guardian_shared_pks = proposed_guardian_shared_pks
        selectors._held_by_user_q = proposed_held_by_user_q
        try:
            return orm(user, box)
        finally:
            scoping._guardian_shared_pks, selectors._held_by_user_q = original

    def orm_fixed2(user, box):
        selectors.event_list = event_list_without_geometries
        try:
            return orm_fixed(user, box)
        finally:
            selectors.event_list = original_list

    def api_for(client, box):
        def call(_user, _box):
            s = clock()
            r = client.get(f"{url}?box={box}&limit={PAGE}")
            if r.status_code != 200:
                raise RuntimeError(f"API answered {r.status_code}: {r.content[:300]!r}")
            d = json.loads(r.content)
            return [e["number"] for e in d["results"]], d["count"], clock() - s, 0

        return call

    ref_sql = {}  # user -> the reference's statements with their parameters inlined
    mog = psycopg.ClientCursor(pg)

    def ref(user, box):
        s = clock()
        if box == "todo":
            units, depts = cur.execute(REF_UNITS, (unit_roles, user.pk), prepare=True).fetchone()
            if depts:
                raise NotImplementedError("department handlers are not measured")
            ref_sql.setdefault(
                user.pk,
                [
                    mog.mogrify(REF_TODO_PAGE, (units, waiting)),
                    mog.mogrify(REF_TODO_COUNT, (units, waiting)),
                ],
            )
            page = [
                r[1] for r in cur.execute(REF_TODO_PAGE, (units, waiting), prepare=True).fetchall()
            ]
            m = clock()
            n = cur.execute(REF_TODO_COUNT, (units, waiting), prepare=True).fetchone()[0]
        else:
            upper = city_path[:-1] + chr(ord(city_path[-1]) + 1)
            ref_sql.setdefault(
                user.pk,
                [
                    mog.mogrify(REF_ALL_PAGE, (city_path, upper)),
                    mog.mogrify(REF_ALL_COUNT, (city_path, upper)),
                ],
            )
            page = [
                r[1] for r in cur.execute(REF_ALL_PAGE, (city_path, upper), prepare=True).fetchall()
            ]
            m = clock()
            n = cur.execute(REF_ALL_COUNT, (city_path, upper), prepare=True).fetchone()[0]
        return page, n, m - s, clock() - m

    def timed_out(exc) -> bool:
        import psycopg

        return isinstance(exc.__cause__, psycopg.errors.QueryCanceled) or isinstance(
            exc, psycopg.errors.QueryCanceled
        )

    with statement_timeout(pg, args.statement_timeout):  # for the sampling only
        for who, box in scenarios:
            user = users[who]
            client = Client(SERVER_NAME="localhost", HTTP_ACCEPT="application/json")
            client.force_login(user)
            contenders = [
                (ORM, orm),
                (ORM_FIX, orm_fixed),
                (ORM_FIX2, orm_fixed2),
                (API, api_for(client, box)),
                (REF, ref),
            ]
            rows = {
                name: {"total": [], "page": [], "count": [], "timeout": False}
                for name, _ in contenders
            }
            answers, captured = {}, {}
            calls = dict.fromkeys(rows, 0)
            warm = dict.fromkeys(rows, 3)
            spent = dict.fromkeys(rows, 0)
            cap = args.case_seconds * 1e9
            for _ in range(args.samples + 3):  # interleaved
                for name, fn in contenders:
                    row = rows[name]
                    if (
                        row["timeout"]
                        or len(row["total"]) >= args.samples
                        or (row["total"] and spent[name] > cap)
                    ):
                        continue
                    first = calls[name] == 0
                    try:
                        if first:  # the statements of the call, from the first call
                            with CaptureQueriesContext(connection) as cq:
                                try:
                                    s = clock()
                                    page, n, tp, tc = fn(user, box)
                                    total = clock() - s
                                finally:
                                    captured[name] = [
                                        (q["sql"], float(q["time"]) * 1e3)
                                        for q in cq.captured_queries
                                    ]
                            if total > 0.5e9:  # slow: this call is a sample, no warm-up
                                warm[name] = 0
                        if not first or warm[name]:
                            s = clock()
                            page, n, tp, tc = fn(user, box)
                            total = clock() - s
                    except Exception as exc:
                        if not timed_out(exc):
                            raise
                        row["timeout"] = True
                        log(
                            f"  {who}/{box}: {name}: statement timeout "
                            f"({args.statement_timeout:g} s)"
                        )
                        continue
                    calls[name] += 1
                    spent[name] += total
                    answers.setdefault(name, (page, n))
                    if calls[name] >= warm[name]:
                        row["total"].append(total)
                        row["page"].append(tp)
                        row["count"].append(tc)
            agree = all(a == answers[REF] for a in answers.values())
            if not agree:
                bad += 1
                log(
                    f"  DISAGREEMENT {who}/{box}: "
                    + "; ".join(f"{k}: count {v[1]}, first {v[0][:3]}" for k, v in answers.items())
                )
            results.append(
                {
                    "who": who,
                    "box": box,
                    "user": user.username,
                    "area": unit_of[who],
                    "count": answers[REF][1],
                    "rows": rows,
                    "agree": agree,
                    "compared": len(answers),
                    "stmts": captured.get(ORM, []),
                    "stmts_fixed": captured.get(ORM_FIX2, []),
                    "ref_stmts": [(q, 0.0) for q in ref_sql[user.pk]],
                }
            )
            log(
                f"  {who}/{box}: {answers[REF][1]:,} cases; p50 ms: "
                + ", ".join(
                    f"{name.split(' ')[0]} "
                    + ("timeout" if r["timeout"] else fmt(percentile(r["total"], 50)))
                    for name, r in rows.items()
                )
            )

    # The slowest statement of the ORM calls as they are, explained; a statement that
    # hit the timeout gets a plain EXPLAIN (its ANALYZE would not finish either).
    limit_ms = args.statement_timeout * 1e3 * 0.95
    done = [(q, r) for r in results for q in r["stmts"] if q[1] < limit_ms]
    q, r = max(done, key=lambda t: t[0][1])
    out["inbox_worst"] = {
        "case": f"{r['who']}/{r['box']}",
        "sql": q[0],
        "ms": q[1],
        "plan": plan_summary(explain(pg, q[0])),
    }
    stuck = [(q, r) for r in results for q in r["stmts"] if q[1] >= limit_ms]
    if stuck:
        q, r = stuck[0]
        out["inbox_stuck"] = {
            "case": f"{r['who']}/{r['box']}",
            "sql": q[0],
            "plan": [x[0] for x in pg.execute("EXPLAIN " + q[0]).fetchall()],
        }
    q, r = max(
        ((q, r) for r in results for q in r["stmts_fixed"] if 'FROM "events_event"' in q[0]),
        key=lambda t: t[0][1],
    )
    out["inbox_worst_fixed"] = {
        "case": f"{r['who']}/{r['box']}",
        "sql": q[0],
        "plan": plan_summary(explain(pg, q[0])),
    }
    candidates = (
        DEFAULT_TRY_INDEX
        if args.try_index is None
        else [s for s in args.try_index if s.lower() != "none"]
    )
    out["inbox_tried"] = [try_index(pg, ddl, results) for ddl in candidates]
    out["inbox"] = results
    return bad


@contextlib.contextmanager
def statement_timeout(pg, seconds: float):
    """statement_timeout on Django's connection (and any it opens) and on `pg`."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    sql = f"SET statement_timeout = {int(seconds * 1000)}"

    def on_connect(sender, connection, **kwargs):
        with connection.cursor() as c:
            c.execute(sql)

    connection_created.connect(on_connect, weak=False)
    with connection.cursor() as c:
        c.execute(sql)
    pg.execute(sql)
    try:
        yield
    finally:
        connection_created.disconnect(on_connect)
        with connection.cursor() as c:
            c.execute("RESET statement_timeout")
        pg.execute("RESET statement_timeout")


def explain(pg, sql: str) -> list[str]:
    return [r[0] for r in pg.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()]


def server_ms(pg, stmts, n: int = 3) -> float:
    """Planning + execution time of the statements of one inbox call, best of n each
    (of 1 for a statement over 100 ms)."""
    total = 0.0
    for sql, _t in stmts:
        best = None
        for _ in range(n):
            doc = pg.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql).fetchone()[0]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            ms = doc[0]["Planning Time"] + doc[0]["Execution Time"]
            best = ms if best is None else min(best, ms)
            if ms > 100:  # slow enough to be measured once
                break
        total += best
    return total


def try_index(pg, ddl: str, results) -> dict:
    """Build a candidate index in a transaction, time the statements of every inbox
    call again (server side; the ORM calls with proposals A and B, and the SQL
    reference), roll back. The calls as they are would not tell: their time goes to
    the guardian sub-select."""
    out = {"ddl": ddl, "cases": []}
    before = {
        r["who"]: (server_ms(pg, r["stmts_fixed"]), server_ms(pg, r["ref_stmts"])) for r in results
    }
    pg.execute("BEGIN")
    try:
        t0 = time.perf_counter()
        pg.execute(ddl)
        out["build_s"] = time.perf_counter() - t0
        for r in results:
            after = (server_ms(pg, r["stmts_fixed"]), server_ms(pg, r["ref_stmts"]))
            out["cases"].append((f"{r['who']}/{r['box']}", *before[r["who"]], *after))
        # The plan of the slowest statement of the todo calls with the proposal and index.
        todo = [r for r in results if r["box"] == "todo"]
        if todo:
            sql = max(
                (q for r in todo for q in r["stmts_fixed"] if 'FROM "events_event"' in q[0]),
                key=lambda q: q[1],
            )[0]
            out["plan"] = plan_summary(explain(pg, sql))
    finally:
        pg.execute("ROLLBACK")
    log(
        f"  tried {ddl[:60]}…: "
        + ", ".join(
            f"{c[0]} {c[1]:.1f}/{c[2]:.1f} → {c[3]:.1f}/{c[4]:.1f} ms" for c in out["cases"]
        )
    )
    return out


# ----------------------------------------------------------------------------- output


def print_report(args, out, info, db_name, started, wall) -> None:
    print("# Events benchmark (bench/events.py)\n\n```")
    print("command : " + " ".join(["python", *sys.argv]))
    print(
        f"data    : database {db_name}, {out['province']}, {out['grids']:,} grids, "
        f"{out['villages']:,} villages"
    )
    for k, v in info.items():
        print(f"{k:<8}: {v}")
    print(f"load    : load average at start {started}, at end {load()}")
    print(f"wall    : {wall:.0f} s in all; DEBUG={out['debug']}; broker {out['broker']}")
    print("```\n")

    if "report_rows" in out:
        rows, ref = out["report_rows"], out["report_ref"]
        ck = out["report_checks"]
        print(
            f"## 1. Reporting throughput ({ck['points']:,} reports per contender, "
            f"{args.rounds} rounds, category {CATEGORY}, +{ck['warm']} warm-up)\n"
        )
        copy = rows["copy"]
        print(
            md_table(
                [
                    "contender",
                    "events",
                    "events/s",
                    "mean ms",
                    "p50 ms",
                    "p95 ms",
                    "× executemany",
                    "× COPY",
                    "events/s by round",
                ],
                "lrrrrrrrr",
                [
                    [
                        r.name,
                        f"{r.n:,}",
                        f"{r.rate:,.0f}",
                        f"{r.mean_ms:.3f}",
                        fmt(r.pct_ms(50)),
                        fmt(r.pct_ms(95)),
                        f"{r.mean_ms / ref.mean_ms:,.1f}",
                        f"{r.mean_ms / copy.mean_ms:,.1f}",
                        ", ".join(f"{v:,.0f}" for v in r.rounds),
                    ]
                    for r in rows.values()
                ],
            )
        )
        api, svc = rows["api"], rows["service"]
        print(
            f"\nRatios (time per event): API / plain INSERT (executemany) = "
            f"{api.mean_ms / ref.mean_ms:,.0f}×, service / plain INSERT = "
            f"{svc.mean_ms / ref.mean_ms:,.0f}×; API / service = "
            f"{api.mean_ms / svc.mean_ms:.2f}×; service / one-row-per-transaction INSERT = "
            f"{svc.mean_ms / rows['single'].mean_ms:.1f}×.\n"
        )
        print(
            f"Checks: {ck['reported']:,} events reported by API and service (incl. warm-up "
            f"and diagnostics), {ck['deliveries']:,} webhook deliveries written, "
            f"{ck['queued_to_redis']:,} task messages queued to Redis (purged: "
            f"{ck['purged']}), {ck['notifications']:,} notifications; grid differs from "
            f"the drawn grid: service {ck['grid_mismatch']['service']}, API "
            f"{ck['grid_mismatch']['api']}.\n"
        )
        if out["report_split"]:
            print(
                f"### Where a report's time goes ({ck['diag']} more reports each, "
                "with timing wrappers)\n"
            )
            print("| | service | API |")
            print("|---|--:|--:|")
            s, a = out["report_split"]["service"], out["report_split"]["api"]
            for label, key in (
                ("queries per report (CaptureQueriesContext)", "queries"),
                ("total ms per report", "total_ms"),
                ("  in SQL statements, ms", "sql_ms"),
                ("  in COMMIT, ms", "commit_ms"),
                ("  queuing the webhook task to Redis, ms", "redis_ms"),
            ):
                print(f"| {label} | {s[key]:.2f} | {a[key]:.2f} |")
            s["service_ms"] = s["total_ms"]
            for x in (s, a):
                x["python_ms"] = x["total_ms"] - x["sql_ms"] - x["commit_ms"] - x["redis_ms"]
            print(
                f"|   Python (Django, DRF, serializers, service code), ms | "
                f"{s['python_ms']:.2f} | {a['python_ms']:.2f} |"
            )
            print(
                f"| of the total: inside `event_report()`, ms | {s['service_ms']:.2f} | "
                f"{a['service_ms']:.2f} |"
            )
            print(
                f"| of the total: around it (auth, session, validation, re-read and "
                f"serialisation of the case), ms | — | "
                f"{a['total_ms'] - a['service_ms']:.2f} |"
            )
            for key, x in (("service", s), ("API", a)):
                print(f"\n{key}: statements per report, by time\n")
                print("| statement | per report | ms per report |")
                print("|---|--:|--:|")
                for k, ms, n in x["stmts"][:14]:
                    print(f"| `{k}` | {n:.2f} | {ms:.3f} |")
            print()

    if "inbox" in out:
        g = out["generated"]
        how = (
            "reused from an earlier --keep run"
            if g["reused"]
            else f"set-based: INSERT … SELECT {g['insert']:.0f} s, {g['n_indexes']} secondary "
            f"indexes rebuilt {g['indexes_s']:.0f} s, VACUUM ANALYZE + CHECKPOINT "
            f"{g['vacuum']:.0f} s; "
            f"table {g['table']}, indexes {g['indexes']}"
        )
        print(f"## 2. Inbox latency over {g['n']:,} events ({how})\n")
        print(
            f"p50 / p95 in ms over n calls per contender and user (n = {args.samples}, fewer "
            f"for a contender once it has spent {args.case_seconds:g} s on a user; after 3 "
            "warm-up calls, none if the first took over 0.5 s), the contenders interleaved; "
            f"statement_timeout {args.statement_timeout:g} s. ORM = `selectors.inbox(...)`, "
            f"first page of {PAGE} + "
            "`.count()`, as the API's paginator does; API = the same through DRF with "
            "session, serialisation and JSON. The proposal rows are diagnostics, the same "
            "call with functions replaced in this process only (bench/events.py): A = "
            "`governance.scoping._guardian_shared_pks` → `proposed_guardian_shared_pks` and "
            "`events.selectors._held_by_user_q` → `proposed_held_by_user_q`; B = "
            "`selectors.event_list()` with `.defer()` of the grid's and the unit's "
            "geometries.\n"
        )
        print(
            "| user (unit) | box | cases | contender | n | p50 | p95 | page p50 | count p50 |"
            " × SQL ref (p50) |"
        )
        print("|---|---|--:|---|--:|--:|--:|--:|--:|--:|")
        for r in out["inbox"]:
            ref50 = percentile(r["rows"][REF]["total"], 50)
            for name, v in r["rows"].items():
                unit = (
                    f"{r['user']} ({r['area'].name} {r['area'].code}) | {r['box']} | {r['count']:,}"
                )
                if v["timeout"] and not v["total"]:
                    print(
                        f"| {unit} | {name} | 0 | > {args.statement_timeout:g} s "
                        "(statement_timeout) | — | — | — | — |"
                    )
                    continue
                p50, p95 = percentile(v["total"], 50), percentile(v["total"], 95)
                pg50, c50 = (
                    (fmt(percentile(v["page"], 50), 2), fmt(percentile(v["count"], 50), 2))
                    if name != API
                    else ("—", "—")
                )
                print(
                    f"| {unit} | {name} | {len(v['total'])} | {fmt(p50, 2)} | "
                    f"{fmt(p95, 2)} | {pg50} | {c50} | {p50 / ref50:,.1f} |"
                )
        print(
            "\nResults agree (page numbers and count, every contender that finished): "
            + ", ".join(
                f"{r['who']}/{r['box']} {'yes' if r['agree'] else 'NO'} ({r['compared']} compared)"
                for r in out["inbox"]
            )
            + ". Statements per ORM inbox call: "
            + ", ".join(f"{r['who']} {len(r['stmts'])}" for r in out["inbox"])
            + ".\n"
        )
        w = out["inbox_worst"]
        print(f"### Slowest statement that finished: ORM as is, {w['case']} ({w['ms']:,.0f} ms)\n")
        print("```sql\n" + short_sql(w["sql"]) + "\n```\n")
        print("EXPLAIN (ANALYZE, BUFFERS), summary lines:\n\n```")
        print("\n".join(w["plan"]))
        print("```\n")
        if "inbox_stuck" in out:
            k = out["inbox_stuck"]
            print(f"### Statement that hit the statement_timeout: ORM as is, {k['case']}\n")
            print("```sql\n" + short_sql(k["sql"]) + "\n```\n")
            print("EXPLAIN (no ANALYZE: it would not finish either):\n\n```")
            print("\n".join(k["plan"]))
            print("```\n")
        f = out["inbox_worst_fixed"]
        print(
            f"### With proposals A and B: the slowest statement ({f['case']}), summary lines\n\n```"
        )
        print("\n".join(f["plan"]))
        print("```\n")
        for t in out["inbox_tried"]:
            print(
                f"### Candidate index (built in a transaction and rolled back; "
                f"{t.get('build_s', 0):.1f} s to build)\n"
            )
            print("```sql\n" + t["ddl"] + "\n```\n")
            print(
                "Server time (planning + execution, best of 3) of all statements of one "
                "inbox call, ms:\n"
            )
            print("| case | ORM + A + B | … + index | SQL reference | … + index |")
            print("|---|--:|--:|--:|--:|")
            for case, f0, r0, f1, r1 in t["cases"]:
                print(f"| {case} | {f0:.2f} | {f1:.2f} | {r0:.2f} | {r1:.2f} |")
            if t.get("plan"):
                print(
                    "\nWith the index, the slowest statement of the todo calls with "
                    "proposals A and B:\n"
                )
                print("```\n" + "\n".join(t["plan"]) + "\n```\n")
    print(
        f"Clean-up: {out.get('cleanup_reported', 0):,} events written by the reporting part "
        "removed with their traces, notifications and deliveries (audit rows stay: "
        f"append-only); {out.get('cleanup', '')}"
    )


def short_sql(sql: str) -> str:
    """The statement with its long select list elided."""
    return re.sub(
        r'^SELECT .*? FROM "events_event"', 'SELECT … FROM "events_event"', sql, count=1, flags=re.S
    )


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    import logging

    # Requests cancelled by the statement_timeout are counted, not logged as errors.
    django_setup(
        debug=args.debug,
        request_log_level=logging.CRITICAL,
        DATABASE_URL="postgis://postgres@localhost:5432/gridgov_bench",
        REDIS_URL="redis://localhost:6379/15",
    )

    from django.conf import settings

    db = bench_database(settings, " (DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench)")
    t_start = time.perf_counter()
    started = load()
    pg = pg_connect(db)
    info = machine_info(pg)
    province = bench_province()
    out = {
        "province": f"{province.name} {province.code}",
        "debug": settings.DEBUG,
        "broker": settings.CELERY_BROKER_URL,
    }
    out["grids"], out["villages"] = pg.execute(
        "SELECT count(*) FILTER (WHERE level = 6), count(*) FILTER (WHERE level = 5)"
        " FROM grids_area"
    ).fetchone()
    bad = 0
    left = cleanup_reported(pg)  # from a run that crashed
    if left:
        log(f"removed {left} events left by an earlier run")
    try:
        if args.events:
            generate(args, pg, out)
        try:
            reporting(args, pg, province, out)
        finally:
            out["cleanup_reported"] = cleanup_reported(pg)
        if args.events:
            bad = inbox_part(args, pg, province, out)
    finally:
        if args.events and not args.keep:
            log("clean-up: removing the generated events ...")
            out["cleanup"] = drop_generated(pg)
        elif args.keep:
            out["cleanup"] = "generated events kept (--keep)."
    print_report(args, out, info, db["NAME"], started, time.perf_counter() - t_start)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
