"""Load test of the real stack on loopback: gunicorn as docker-compose.yml runs it, a
Celery worker and beat, PostgreSQL, Redis, a local webhook receiver, and locust headless
with the daily mix of users (bench/load/locustfile.py), ramped in steps until p95 passes
1 s or errors appear. Prints Markdown: the users held, requests per second, p50/p95/p99
per request kind, the errors, and each kind's ratio to a bare Django view served by the
same gunicorn in the same run (the ceiling of the machine).

    make bench-load                                   # or:
    .venv/bin/python bench/load/run.py [--step-users 25] [--step-seconds 60] [--max-users 600]

The database (default gridgov_bench_load; its name must contain "bench") is created,
migrated and loaded with the demo city (长春市) when missing; the fixtures (accounts,
sessions, department tokens, the webhook subscription) are made by prepare.py on every
run. Redis: database 9 by default (--redis), flushed at the start (only that database).
Everything listens on 127.0.0.1. The processes started are stopped at the end.

Differences from docker-compose.yml, all of them in bench/load/settings.py or here: plain
HTTP without a TLS proxy (cookies not Secure, no HTTPS redirect); the database role is
the superuser of a bench database (one role does everything, as for every benchmark);
SESSION_IDLE_SECONDS=3600 so that sessions made before a long ramp are still alive when
their user starts; the gunicorn access log goes to a file."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import request_cpu  # bench/load/request_cpu.py, beside this script

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "var" / "bench-load"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# The Celery workers of docker-compose.yml: (queue, concurrency, more options).
WORKERS = (
    ("interactive", 4, []),
    ("webhooks", 8, []),
    ("batch", 2, ["--max-tasks-per-child", "20"]),
)


def machine_speed_of(db_url: str) -> str:
    """bench/common.py's probes, before the stack starts (docs/performance.md, "Machine
    speed"): how this machine compares with the one of other runs."""
    import psycopg

    sys.path.insert(0, str(ROOT / "bench"))
    from common import machine_speed

    with psycopg.connect(db_url.replace("postgis://", "postgresql://"), autocommit=True) as pg:
        return machine_speed(pg)


# --- where the CPU went -------------------------------------------------------------


CPU_GROUPS = (
    ("gunicorn (web)", "gunicorn"),
    ("Celery workers", "celery -A governance worker"),
    ("Celery beat", "celery -A governance beat"),
    ("locust (the clients)", "locust"),
    ("PostgreSQL", "postgres"),
    ("Redis", "redis-server"),
)


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far by the living processes of each group,
    read from /proc. PostgreSQL's backends live as long as their pooled connections, so
    the difference of two readings is what each group used in between (a process that
    ended between them is missed: none of the stack's do during a run)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = dict.fromkeys([g for g, _ in CPU_GROUPS] + ["other"], 0.0)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        group = next((g for g, needle in CPU_GROUPS if needle in cmd), "other")
        out[group] += used
    return out


def machine_seconds() -> dict[str, float]:
    """The whole machine's CPU time by state, from /proc/stat's first line: above all
    `steal`, the time the hypervisor ran other guests while this one had work — the host's
    speed moving under the run (docs/performance.md, "Load")."""
    tick = os.sysconf("SC_CLK_TCK")
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    values = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    return {name: int(v) / tick for name, v in zip(names, values, strict=True)}


def gunicorn_keepalive() -> int:
    """The keep-alive gunicorn.conf.py sets (gunicorn's own default is 2 s)."""
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    return namespace.get("keepalive", 2)


def tcp_connections_accepted() -> int:
    """TCP connections this machine has accepted since boot (/proc/net/snmp's
    PassiveOpens): over a run, mostly locust's connections to gunicorn, each opened anew
    when gunicorn had closed the last one after its keep-alive (and the few pooled
    connections to PostgreSQL and Redis)."""
    rows = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()]
    names, values = (r for r in rows if r[0] == "Tcp:")
    return int(values[names.index("PassiveOpens")])


# --- the webhook receiver --------------------------------------------------------------


class Receiver:
    def __init__(self, port: int):
        self.secret = ""
        self.received = 0
        self.valid = 0
        self.ids: set[str] = set()
        outer = self

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ts = self.headers.get("X-GridGov-Timestamp", "")
                expected = (
                    "sha256="
                    + hmac.new(
                        outer.secret.encode(), f"{ts}.".encode() + body, hashlib.sha256
                    ).hexdigest()
                )
                outer.received += 1
                if hmac.compare_digest(expected, self.headers.get("X-GridGov-Signature", "")):
                    outer.valid += 1
                outer.ids.add(self.headers.get("X-GridGov-Delivery", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Hook)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# --- processes -------------------------------------------------------------------------


class Stack:
    def __init__(self, env: dict):
        self.env = env
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str]) -> None:
        f = open(OUT / f"{name}.log", "w")
        p = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, p))
        log(f"started {name} (pid {p.pid})")

    def stop(self) -> None:
        for _name, p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.time() + 15
        for name, p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            log(f"stopped {name}")

    def check(self) -> None:
        for name, p in self.procs:
            if p.poll() is not None:
                raise SystemExit(f"{name} exited ({p.returncode}); see {OUT / (name + '.log')}")


def manage(env: dict, *args: str, capture: bool = False) -> str:
    r = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
    )  # fmt: skip
    return r.stdout or ""


def psql(db_url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", db_url.replace("postgis://", "postgresql://"), "-Atc", sql],
        check=True, text=True, capture_output=True,
    ).stdout.strip()  # fmt: skip


def ensure_database(args, env: dict) -> None:
    admin = args.db_url.rsplit("/", 1)[0] + "/postgres"

    def exists(name: str) -> bool:
        return psql(admin, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    if args.snapshot and exists(args.snapshot):
        # Every run adds cases: runs to compare start from the same copy.
        log(f"{args.db} from the snapshot {args.snapshot}")
        psql(admin, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        psql(admin, f'CREATE DATABASE "{args.db}" TEMPLATE "{args.snapshot}"')
    if not exists(args.db):
        log(f"creating {args.db}")
        # Its own PostGIS, not the test template's: a new machine has no template before
        # the first `make test`.
        psql(admin, f'CREATE DATABASE "{args.db}"')
        psql(args.db_url, "CREATE EXTENSION IF NOT EXISTS postgis")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_calendar")
    manage(env, "load_demo_province", "--if-empty", "--city", "220100")
    if args.snapshot and not exists(args.snapshot):
        log(f"snapshot {args.snapshot} of {args.db}: later runs with --snapshot start from it")
        psql(admin, f'CREATE DATABASE "{args.snapshot}" TEMPLATE "{args.db}"')


class ProductionVacuum:
    """PostgreSQL as a production server runs it: autovacuum on. A test machine's server
    may have it off (this one's conf.d says `autovacuum = off`, for repeatable test runs);
    then the tables the run grows — cases, their traces, notifications, the outbox — keep
    the statistics of their first rows, and the planner sorts thousands of cases for an
    inbox it believes holds one (docs/performance.md, "Autovacuum off"). Switched on for
    the run (ALTER SYSTEM, a reload: no restart) and back off at the end; the database is
    ANALYZEd first, as autovacuum would have after the fixtures were made."""

    def __init__(self, db_url: str):
        self.admin = db_url.rsplit("/", 1)[0] + "/postgres"
        self.db_url = db_url
        self.server_setting = psql(self.admin, "SHOW autovacuum")
        self.switched = False

    def start(self) -> None:
        if self.server_setting != "on":
            psql(self.admin, "ALTER SYSTEM SET autovacuum = on")
            psql(self.admin, "SELECT pg_reload_conf()")
            self.switched = True
        psql(self.db_url, "ANALYZE")

    def stop(self) -> None:
        if self.switched:
            psql(self.admin, "ALTER SYSTEM RESET autovacuum")
            psql(self.admin, "SELECT pg_reload_conf()")

    def describe(self) -> str:
        if self.switched:
            return f"autovacuum on for the run (the server's own setting: {self.server_setting})"
        return "autovacuum on (the server's own setting)"


def make_photo(path: Path) -> None:
    """A phone-sized JPEG (1280×960, ~150 KB)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1280, 960), (90, 120, 90))
    d = ImageDraw.Draw(img)
    for i in range(0, 1280, 7):
        d.line([(i, 0), ((i * 37) % 1280, 960)], fill=((i * 13) % 255, (i * 7) % 255, 140))
    img.save(path, "JPEG", quality=85)


def wait_http(url: str, stack: Stack, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        stack.check()
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds} s")


# --- the report ------------------------------------------------------------------------


def fmt(ms) -> str:
    return "—" if ms is None else f"{ms:,.0f}"


def ratio(a, b) -> str:
    if a is None or not b:
        return "—"
    return f"{a / b:.1f}×"


def report(args, results: dict, conditions: dict, after: dict) -> str:
    steps = results.get("steps", [])
    limit = results.get("p95_limit_ms", 1000)
    held = [s for s in steps if not s["failures"] and (s["p95"] or 0) <= limit]
    best = held[-1] if held else None
    lines = ["## Load (bench/load)", ""]
    lines += [f"- {k}: {v}" for k, v in conditions.items()]
    lines += [
        "",
        f"**Users held** (p95 ≤ {limit:.0f} ms, 0 errors, think time 1–3 s): "
        + (f"**{best['users']}** at {best['rps']:.1f} requests/s" if best else "**none**"),
        "",
        "| users | requests/s | requests | errors | p50 ms | p95 ms | p99 ms | bare p95 ms "
        "| CPU idle | CPU steal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in steps:
        bare = s["kinds"].get("bare view (ceiling)", {})
        lines.append(
            f"| {s['users']} | {s['rps']:.1f} | {s['requests']} | {s['failures']} | "
            f"{fmt(s['p50'])} | {fmt(s['p95'])} | {fmt(s['p99'])} | {fmt(bare.get('p95'))} | "
            f"{s.get('idle_pct', 0):.0f} % | {s.get('steal_pct', 0):.0f} % |"
        )
    for title, s in (("held", best), ("last", steps[-1] if steps else None)):
        if s is None or (title == "last" and s is best):
            continue
        bare = s["kinds"].get("bare view (ceiling)", {})
        lines += [
            "",
            f"Per request kind at {s['users']} users ({title} step, "
            f"{s['seconds']:.0f} s measured):",
            "",
            "| kind | requests | req/s | errors | p50 | p95 | p99 | p50 ÷ bare | p95 ÷ bare |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, k in sorted(s["kinds"].items()):
            lines.append(
                f"| {name} | {k['requests']} | {k['rps']:.2f} | {k['failures']} | "
                f"{fmt(k['p50'])} | {fmt(k['p95'])} | {fmt(k['p99'])} | "
                f"{ratio(k['p50'], bare.get('p50'))} | {ratio(k['p95'], bare.get('p95'))} |"
            )
        if s.get("errors"):
            lines += ["", "Errors (cumulative):", ""]
            lines += [f"- {n} × {e}" for e, n in s["errors"].items()]
    lines += ["", "After the run:", ""]
    lines += [f"- {k}: {v}" for k, v in after.items()]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="gridgov_bench_load")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--hook-port", type=int, default=8799)
    p.add_argument("--redis", default="redis://localhost:6379/9")
    p.add_argument("--web-workers", type=int, default=4, help="gunicorn -w (compose: 4)")
    p.add_argument(
        "--web-threads", type=int, default=0, help="gunicorn --threads (else gunicorn.conf.py's)"
    )
    p.add_argument(
        "--web-keepalive", type=int, default=0,
        help="gunicorn --keep-alive in seconds (else gunicorn.conf.py's)",
    )  # fmt: skip
    p.add_argument("--step-users", type=int, default=25)
    p.add_argument("--step-seconds", type=int, default=60)
    p.add_argument("--warmup-seconds", type=int, default=15)
    p.add_argument("--max-users", type=int, default=600)
    p.add_argument("--p95-ms", type=float, default=1000)
    p.add_argument("--workers", type=int, default=600, help="grid-worker accounts")
    p.add_argument("--dispatchers", type=int, default=80)
    p.add_argument("--leaders", type=int, default=60)
    p.add_argument("--tokens", type=int, default=20)
    p.add_argument("--collectstatic", action="store_true", help="even if already collected")
    p.add_argument("--label", default="", help="a note printed with the conditions")
    p.add_argument(
        "--request-cpu",
        action="store_true",
        help="also each request kind's own thread CPU under load (bench/load/request_cpu.py)",
    )
    p.add_argument(
        "--snapshot",
        default="",
        help="a database name (containing 'bench'): made from the bench database when "
        "missing, else the bench database is recreated from it — runs to compare start alike",
    )
    args = p.parse_args()
    if "bench" not in args.db or (args.snapshot and "bench" not in args.snapshot):
        sys.exit("the database names must contain 'bench'")
    args.db_url = f"postgis://postgres@localhost:5432/{args.db}"
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DATABASE_URL": args.db_url,
        "DATABASE_OWNER_URL": "",
        "REDIS_URL": args.redis,
        "SESSION_IDLE_SECONDS": "3600",
        "PYTHONPATH": str(ROOT),
    }
    if args.request_cpu:
        env["BENCH_LOAD_REQUEST_CPU"] = "1"
        shutil.rmtree(request_cpu.OUT, ignore_errors=True)
    ensure_database(args, env)
    if args.collectstatic or not (ROOT / "staticfiles" / "staticfiles.json").exists():
        log("collectstatic")
        manage(env, "collectstatic", "--noinput", "-v0")
    subprocess.run(["redis-cli", "-u", args.redis, "FLUSHDB"], check=True, capture_output=True)

    receiver = Receiver(args.hook_port)
    log("fixtures (prepare.py)")
    fixtures = subprocess.run(
        [PY, "bench/load/prepare.py", "--hook-url", f"http://127.0.0.1:{args.hook_port}/hook",
         "--workers", str(args.workers), "--dispatchers", str(args.dispatchers),
         "--leaders", str(args.leaders), "--tokens", str(args.tokens)],
        cwd=ROOT, env=env, check=True, text=True, capture_output=True,
    ).stdout  # fmt: skip
    (OUT / "fixtures.json").write_text(fixtures)
    receiver.secret = json.loads(fixtures)["hook_secret"]
    make_photo(OUT / "photo.jpg")

    events_before = psql(args.db_url, "SELECT count(*) FROM events_event")
    speed = machine_speed_of(args.db_url)
    stack = Stack(env)
    vacuum = ProductionVacuum(args.db_url)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        vacuum.start()
        stack.start(
            "web",
            [str(BIN / "gunicorn"), "governance.wsgi:application",
             "-b", f"127.0.0.1:{args.port}", "-w", str(args.web_workers),
             *(["--threads", str(args.web_threads)] if args.web_threads else []),
             *(["--keep-alive", str(args.web_keepalive)] if args.web_keepalive else []),
             "--access-logfile", str(OUT / "access.log")],
        )  # fmt: skip
        # One worker per queue, as docker-compose.yml runs them (a worker without -Q
        # would take only the default queue: webhooks would never be delivered).
        for queue, concurrency, extra in WORKERS:
            stack.start(
                f"worker-{queue}",
                [str(BIN / "celery"), "-A", "governance", "worker", "-l", "warning",
                 "-Q", queue, "-n", f"{queue}@%h", "--concurrency", str(concurrency), *extra],
            )  # fmt: skip
        stack.start(
            "beat",
            [str(BIN / "celery"), "-A", "governance", "beat", "-l", "warning",
             "-s", str(OUT / "celerybeat-schedule")],
        )  # fmt: skip
        wait_http(f"http://127.0.0.1:{args.port}/bench/bare/", stack)
        results_file = OUT / "results.json"
        results_file.unlink(missing_ok=True)
        locust_env = {
            **env,
            "BENCH_LOAD_FIXTURES": str(OUT / "fixtures.json"),
            "BENCH_LOAD_PHOTO": str(OUT / "photo.jpg"),
            "BENCH_LOAD_RESULTS": str(results_file),
            "BENCH_LOAD_STEP_USERS": str(args.step_users),
            "BENCH_LOAD_STEP_SECONDS": str(args.step_seconds),
            "BENCH_LOAD_WARMUP_SECONDS": str(args.warmup_seconds),
            "BENCH_LOAD_MAX_USERS": str(args.max_users),
            "BENCH_LOAD_P95_MS": str(args.p95_ms),
        }
        log("locust (step load)")
        started = time.time()
        cpu_before = cpu_seconds()
        machine_before = machine_seconds()
        accepted_before = tcp_connections_accepted()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(OUT / "locust.log", "w") as f:
            subprocess.run(
                [str(BIN / "locust"), "-f", "bench/load/locustfile.py", "--headless",
                 "--host", f"http://127.0.0.1:{args.port}", "--only-summary",
                 "--loglevel", "WARNING", "--stop-timeout", "5"],
                cwd=ROOT, env=locust_env, stdout=f, stderr=subprocess.STDOUT,
            )  # fmt: skip
        duration = time.time() - started
        cpu_after = cpu_seconds()
        machine_after = machine_seconds()
        accepted = tcp_connections_accepted() - accepted_before
        # locust has ended by now: its CPU is read from this process's waited-for children
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after["locust (the clients)"] = (children.ru_utime + children.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )
        time.sleep(5)  # let the worker deliver what was queued last
        stack.check()
    finally:
        stack.stop()
        vacuum.stop()
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, text=True, capture_output=True
    ).stdout.strip()[:90]
    conditions = {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "commit": commit,
        "machine": f"{os.cpu_count()} cores, shared; load average before the run {load_before}",
        "speed": speed,
        # The probe's Python loop runs in this interpreter: runs on two interpreters do not
        # compare by it (docs/performance.md, "The interpreter").
        "python": f"{sys.version.split()[0]} ({os.path.realpath(sys._base_executable)})",
        "stack": (
            f"gunicorn -w {args.web_workers} (gunicorn.conf.py: gthread × "
            f"{args.web_threads or 16} threads, keep-alive "
            f"{args.web_keepalive or gunicorn_keepalive()} s), "
            "Celery workers per queue as docker-compose.yml (interactive × 4, webhooks × 8, "
            "batch × 2, prefork) and beat, PostgreSQL, Redis; "
            "locust on the same machine; all on 127.0.0.1; PostgreSQL " + vacuum.describe()
        ),
        "data": f"demo city 长春市 ({args.db}); {events_before} cases at the start",
        "mix": "grid workers 70 %, dispatchers 12 %, leaders 8 %, departments 5 %, bare view 5 %",
        "steps": f"+{args.step_users} users every {args.step_seconds} s "
        f"(first {args.warmup_seconds} s of each step not measured); {duration:.0f} s in all",
    }
    if args.label:
        conditions["note"] = args.label
    deliveries = psql(
        args.db_url,
        "SELECT coalesce(string_agg(status || ' ' || n, ', '), 'none') FROM (SELECT status,"
        " count(*) n FROM integrations_webhookdelivery d JOIN integrations_webhooksubscription"
        " s ON s.id = d.subscription_id WHERE s.name = 'bench' AND s.active GROUP BY 1) x",
    )
    after = {
        "cases reported in the run": int(psql(args.db_url, "SELECT count(*) FROM events_event"))
        - int(events_before),
        "webhook deliveries of the bench subscription": deliveries,
        "received by the local receiver": f"{receiver.received} "
        f"({receiver.valid} with a valid signature, {len(receiver.ids)} distinct deliveries)",
    }
    print(report(args, results, conditions, after))
    steps = results.get("steps") or [{}]
    print(cpu_report(cpu_before, cpu_after, duration, steps[-1].get("requests_so_far")))
    print(machine_report(machine_before, machine_after))
    requests_made = steps[-1].get("requests_so_far") or 0
    print(
        f"\nTCP connections accepted on this machine during the run: {accepted} "
        f"({accepted / (requests_made or 1):.2f} a request)"
    )
    if args.request_cpu:
        web = cpu_after["gunicorn (web)"] - cpu_before["gunicorn (web)"]
        print(request_cpu_report(request_cpu.read_totals(), web))


def request_cpu_report(totals: dict, web_seconds: float) -> str:
    """Each kind's own thread CPU under load, and what the web processes spent outside
    Django's request handling (gunicorn, the collector, start-up)."""
    prepared = totals.pop(request_cpu.PREPARED, {})
    unprepared = totals.pop(request_cpu.UNPREPARED, {})
    inside = sum(cpu for _, cpu in totals.values())
    requests = sum(n for n, _ in totals.values()) or 1
    lines = [
        "",
        f"Thread CPU inside Django by kind (all steps; {requests} requests; web processes "
        f"{web_seconds:.1f} s, of which inside Django {inside:.1f} s, outside "
        f"{web_seconds - inside:.1f} s = {(web_seconds - inside) / requests * 1000:.2f} ms "
        "a request):",
        "",
        "| kind | requests | ms a request | share of inside |",
        "|---|---:|---:|---:|",
    ]
    for kind, (n, cpu) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"| {kind} | {n} | {cpu / n * 1000:.2f} | {cpu / (inside or 1) * 100:.1f} % |")
    if prepared:
        counts = ", ".join(f"{k} {v}" for k, v in prepared.items())
        lines += ["", f"Statements of the web processes (psycopg's prepared statements): {counts}"]
        lines += ["", "Run unprepared most often (the start of their SQL):", ""]
        for sql, n in sorted(unprepared.items(), key=lambda kv: -kv[1])[:15]:
            lines.append(f"- {n} × `{' '.join(sql.split())[:110]}`")
    return "\n".join(lines)


def machine_report(before: dict, after: dict) -> str:
    """The machine's CPU states over the run, in seconds and shares of all its time."""
    used = {k: max(after[k] - before[k], 0.0) for k in after}
    total = sum(used.values()) or 1.0
    parts = ", ".join(f"{k} {v:.1f} s ({v / total * 100:.0f} %)" for k, v in used.items())
    return f"\nThe machine's CPU states over the run (/proc/stat): {parts}"


def cpu_report(before: dict, after: dict, seconds: float, requests: int | None) -> str:
    """The CPU of the whole run by process group: what each request costs the machine,
    not only the web server (the clients, the database and the workers share the cores).
    Per request: over every request locust sent until the last step closed."""
    cores = os.cpu_count() or 1
    per = f"; {requests} requests" if requests else ""
    lines = [
        "",
        f"CPU by process group over the whole run ({seconds:.0f} s, {cores} cores{per}):",
        "",
        "| group | CPU s | share of the machine | ms a request |",
        "|---|---:|---:|---:|",
    ]
    total = 0.0

    def row(group: str, used: float) -> str:
        each = f"{used / requests * 1000:.2f}" if requests else "—"
        return f"| {group} | {used:.1f} | {used / (seconds * cores) * 100:.0f} % | {each} |"

    for group in after:
        used = max(after[group] - before.get(group, 0.0), 0.0)
        total += used
        lines.append(row(group, used))
    lines.append(row("all", total))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
