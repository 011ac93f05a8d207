"""Where a request's CPU goes: each GET kind of the load mix (bench/load/locustfile.py) run
in this process through Django's WSGI handler, with the load test's settings and its
database and fixtures (run `make bench-load` once first: it creates both), one request
at a time, no network and no server. Prints, per kind, the CPU milliseconds per request
(process time, so other work on the machine barely moves it), the statements and the
database's share; with --profile KIND, the cProfile of that kind's requests (CPU time).

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench_load \\
    .venv/bin/python bench/load/request_cost.py [--n 50] [--profile "worker: my grid"]

This is the load test's request cost without its queueing: the figure to cut when the
machine saturates (docs/performance.md, "Load")."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The code measured: this checkout, or another one's (compare.py --a-root; the fixtures
# and the photo are still this checkout's).
sys.path.insert(0, os.environ.get("BENCH_CODE_ROOT") or str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@localhost:5432/gridgov_bench_load")
os.environ.setdefault("DATABASE_OWNER_URL", "")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/9")
os.environ.setdefault("SESSION_IDLE_SECONDS", "3600")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

FIX = json.loads((ROOT / "var" / "bench-load" / "fixtures.json").read_text())


def kinds() -> list[tuple[str, str, dict]]:
    """(name, url, how to authenticate and what to post) of the mix's kinds: every GET and
    the report with a photo (which writes a case per request: the bench database only)."""
    worker = FIX["workers"][0]
    city = FIX["city"]
    area = FIX["areas"][-1]
    token = {"HTTP_AUTHORIZATION": f"Department {FIX['tokens'][0]}"}
    return [
        ("bare view (ceiling)", "/bench/bare/", {"session": worker["session"]}),
        ("worker: my grid", "/collection/", {"session": worker["session"]}),
        # A page that is its template only: what the base layout (menu, top bar) costs.
        ("worker: sync page (layout only)", "/collection/sync/", {"session": worker["session"]}),
        ("worker: report form", "/events/report/", {"session": worker["session"]}),
        ("worker: person form", "/collection/people/new/", {"session": worker["session"]}),
        (
            "worker: locate (API)",
            f"/api/v1/areas/locate/?lng={worker['lng']:.6f}&lat={worker['lat']:.6f}",
            {"session": worker["session"]},
        ),
        ("worker: inbox", "/events/?box=todo", {"session": worker["session"]}),
        ("dispatcher: inbox", "/events/?box=todo", {"session": FIX["dispatchers"][0]}),
        (
            "dispatcher: case page",
            f"/events/{newest_case()}/",
            {"session": FIX["dispatchers"][0]},
        ),
        ("leader: cockpit page", f"/cockpit/?area={city}", {"session": FIX["leaders"][0]}),
        (
            "leader: cockpit summary",
            f"/api/v1/cockpit/summary/?area={city}",
            {"session": FIX["leaders"][0]},
        ),
        ("leader: area page", f"/grids/areas/{area}/", {"session": FIX["leaders"][0]}),
        ("leader: analysis", f"/analysis/?area={city}", {"session": FIX["leaders"][0]}),
        ("department: cases (API)", "/api/v1/events/?box=todo&limit=20", {"headers": token}),
        # One of the department's dispatched cases (the case it signs next), when the bench
        # database holds one (after a load run).
        *(
            [("department: case (API)", f"/api/v1/events/{number}/", {"headers": token})]
            if (number := dispatched_case())
            else []
        ),
        (
            "worker: report with photo",
            "/events/report/",
            {"session": worker["session"], "post": lambda: report_post(worker)},
        ),
    ]


def dispatched_case() -> str | None:
    """The number of the newest case dispatched to the bench's department, if any."""
    from events.models import Event

    return (
        Event.objects.filter(current_department__code=FIX["department"], status="dispatched")
        .order_by("-id")
        .values_list("number", flat=True)
        .first()
    )


def newest_case() -> str:
    """The number of the county's newest case (the page a dispatcher opens from 待办)."""
    from events.models import Event

    return (
        Event.objects.filter(area_path__contains=f"/{FIX['county']}/")
        .order_by("-id")
        .values_list("number", flat=True)
        .first()
    )


def report_post(worker: dict) -> dict:
    """The grid worker's report of a 占道经营 case with a photo, as the locustfile sends it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = (ROOT / "var" / "bench-load" / "photo.jpg").read_bytes()
    return {
        "category": FIX["category"],
        "title": "占道经营 bench request_cost",
        "description": "bench/load",
        "urgency": "normal",
        "lng": f"{worker['lng']:.6f}",
        "lat": f"{worker['lat']:.6f}",
        "address": worker["grid"],
        "photos": SimpleUploadedFile("scene.jpg", photo, content_type="image/jpeg"),
    }


def client_for(auth: dict) -> tuple[Client, dict]:
    client = Client(HTTP_HOST="127.0.0.1")
    if "session" in auth:
        client.cookies["sessionid"] = auth["session"]
    return client, auth.get("headers", {})


def measure(name, url, auth, n, profile=False, best_of=1):
    client, headers = client_for(auth)
    post = auth.get("post")
    if post:

        def send():
            return client.post(url, data=post(), **headers)
    else:

        def send():
            return client.get(url, **headers)

    status = send().status_code  # warm: templates, caches
    # CPU time, not wall time: waits on PostgreSQL are not this process's cost.
    prof = cProfile.Profile(time.process_time) if profile else None
    batches = []  # (cpu, wall, statements, sql wall) of each batch of n requests
    for _ in range(best_of):
        cpu = wall = 0.0
        with CaptureQueriesContext(connection) as queries:
            for _ in range(n):
                c0, w0 = time.process_time(), time.perf_counter()
                if prof:
                    prof.enable()
                send()
                if prof:
                    prof.disable()
                cpu += time.process_time() - c0
                wall += time.perf_counter() - w0
        sql = sum(float(q["time"]) for q in queries.captured_queries)
        batches.append((cpu, wall, len(queries.captured_queries), sql))
    # The least CPU of the batches: a shared host's neighbours only ever add to it.
    cpu, wall, statements, sql = min(batches)
    return {
        "name": name,
        "status": status,
        "cpu_ms": cpu * 1000 / n,
        "wall_ms": wall * 1000 / n,
        "statements": statements / n,
        "sql_wall_ms": sql * 1000 / n,
        "prof": prof,
    }


def serve() -> None:
    """For compare.py: every GET kind warmed, the collector frozen as in gunicorn, then one
    line per order on stdin, "KIND N", answered by the CPU seconds of N such requests."""
    senders = []
    for _name, url, auth in get_kinds():
        client, headers = client_for(auth)

        def send(client=client, url=url, headers=headers):
            return client.get(url, **headers)

        send()
        senders.append(send)
    gunicorn_tuning()
    print("ready", "|".join(name for name, _url, _auth in get_kinds()), flush=True)
    for line in sys.stdin:
        kind, n = map(int, line.split())
        c0 = time.process_time()
        for _ in range(n):
            senders[kind]()
        print(f"{time.process_time() - c0:.6f}", flush=True)


def get_kinds() -> list[tuple[str, str, dict]]:
    """The kinds that only read (the same request can be sent any number of times)."""
    return [k for k in kinds() if not k[2].get("post")]


def gunicorn_tuning() -> None:
    import gc

    gc.collect()
    gc.freeze()
    if os.environ.get("GC_THRESHOLD"):
        gc.set_threshold(*map(int, os.environ["GC_THRESHOLD"].split(",")))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--profile", default="", help="a kind's name: print its cProfile")
    p.add_argument("--only", default="", help="substring of the kinds to run")
    p.add_argument("--top", type=int, default=40)
    p.add_argument(
        "--best-of",
        type=int,
        default=1,
        help="run each kind's n requests this many times and keep the batch of least CPU "
        "(on a host whose speed moves, the figure nearest what the code itself costs)",
    )
    p.add_argument(
        "--calls",
        action="store_true",
        help="also count the Python function calls of each request (profiled: the CPU "
        "column is then the profiler's) — the same on any machine, where CPU times on a "
        "shared one move ±25 %% between runs",
    )
    p.add_argument(
        "--gc",
        default="",
        help="'freeze': gc.freeze() after start-up, as gunicorn.conf.py's post_worker_init "
        "does; 'warm-freeze': every kind served once first, then frozen",
    )
    p.add_argument("--serve", action="store_true", help="answer compare.py (see serve())")
    args = p.parse_args()
    if args.serve:
        return serve()
    if args.gc == "freeze":
        gunicorn_tuning()
    elif args.gc == "warm-freeze":
        for _name, url, auth in kinds():
            if not auth.get("post"):
                client, headers = client_for(auth)
                client.get(url, **headers)
        gunicorn_tuning()
    calls_head = (" Python calls/request |", "---:|") if args.calls else ("", "")
    print("| kind | status | CPU ms/request | wall ms | statements | SQL wall ms |" + calls_head[0])
    print("|---|---:|---:|---:|---:|---:|" + calls_head[1])
    for name, url, auth in kinds():
        if args.only and args.only not in name:
            continue
        r = measure(
            name,
            url,
            auth,
            args.n,
            profile=args.calls or name == args.profile,
            best_of=args.best_of,
        )
        calls = (
            f" {pstats.Stats(r['prof']).total_calls / (args.n * args.best_of):,.0f} |"
            if args.calls
            else ""
        )
        print(
            f"| {name} | {r['status']} | {r['cpu_ms']:.1f} | {r['wall_ms']:.1f} "
            f"| {r['statements']:.0f} | {r['sql_wall_ms']:.1f} |{calls}",
            flush=True,
        )
        if r["prof"] and name == args.profile:
            out = io.StringIO()
            stats = pstats.Stats(r["prof"], stream=out).sort_stats("cumulative")
            stats.print_stats(args.top)
            out.write("\n--- by own time ---\n")
            stats.sort_stats("tottime").print_stats(args.top)
            print(out.getvalue(), file=sys.stderr)


if __name__ == "__main__":
    main()
