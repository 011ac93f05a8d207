"""Benchmark: bulk import of people end to end through Celery, as a province loads its
residents — many files uploaded at once, each checked and applied by the batch workers as
docker-compose.yml runs them (`-Q batch --concurrency 2`) — beside an INSERT … SELECT of
the same rows into a lean copy of collection_person, measured in the same run.

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/import_pipeline.py [--people 1000000] [--batch 200000]

Where bench/import_people.py calls the task bodies one job after the other in its own
process (and splits their time), this one measures what the product does with its own
workers: the files are generated first (not timed), then every job is created
(import_job_create queues its check), and each job is confirmed (import_job_apply_request,
what the importer's click does) as soon as its check has ended ready; the clock runs from
the first upload to the last job done. The two worker processes overlap one job's check
(Python, one core) with another's apply (mostly PostgreSQL); two applies at once wait for
each other only on the rollup cells they share, at the end of their statement.

Reference (after the import, same run): the run's people, in chunks of --batch rows in id
order, INSERT … SELECT from collection_person into bench_person_lean (a copy with only the
indexes the queries need, import_people.LEAN_INDEXES), each chunk committed — the same
rows and columns the import wrote, one statement per job, on one core.

CPU: the whole machine's busy seconds (/proc/stat) over the import, and the reference's
backend. Celery: a Redis database of its own (--redis, flushed at the start); the worker
reads .env like the bench. Clean-up as import_people.py (people, change rows, verification
tasks, jobs, the lean table; audit rows stay). Refuses a database whose name lacks
"bench". Results: docs/performance-import.md."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from common import bench_database, bench_province, django_setup, host_info, pg_connect
from import_people import (
    LEAN,
    MARK,
    Cpu,
    cleanup,
    csv_bytes,
    importer,
    lean_create,
    log,
    people_frame,
    province_grids,
    run_start,
)

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"
clock = time.perf_counter


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine so far (all cores; idle and iowait excluded)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=0, help="rows per job (default imports.MAX_ROWS)")
    p.add_argument("--concurrency", type=int, default=2, help="batch worker processes (compose: 2)")
    p.add_argument("--redis", default="redis://localhost:6379/8")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args(argv)


def start_worker(args) -> subprocess.Popen:
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    log_path = ROOT / "var" / "bench-import-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    worker = subprocess.Popen(
        [str(CELERY), "-A", "governance", "worker", "-l", "warning", "-Q", "batch",
         "-n", "bench-batch@%h", "--concurrency", str(args.concurrency),
         "--max-tasks-per-child", "20"],
        cwd=ROOT, env=dict(os.environ), stdout=open(log_path, "w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    from celery import current_app

    deadline = time.monotonic() + 60
    while not current_app.control.ping(timeout=1.0):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the batch worker did not start; see {log_path}")
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, 15)
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, 9)
        worker.wait()


def run(args, pg, province, out) -> None:
    import numpy as np
    from django.core.files.base import ContentFile

    from collection import imports
    from collection.models import ImportJob

    S = ImportJob.Status
    user = importer(province)
    batch = min(args.batch or imports.MAX_ROWS, imports.MAX_ROWS)
    grids = province_grids(pg, province)
    rng = np.random.default_rng(args.seed)
    files, done = [], 0
    while done < args.people:
        n = min(batch, args.people - done)
        frame, _extra = people_frame(done, n, grids, rng)
        files.append((n, csv_bytes(frame)))
        done += n
    log(f"{len(files)} files generated ({sum(len(d) for _, d in files) / 2**20:,.0f} MiB)")

    worker = start_worker(args)
    out["job_ids"], times = [], {}
    busy0, t0 = machine_busy(), clock()
    try:
        for k, (n, data) in enumerate(files, 1):
            job = imports.import_job_create(
                actor=user,
                file=ContentFile(data, name=f"bench_pipeline_{k}.csv"),
                mode=ImportJob.Mode.ALL_OR_NOTHING,
            )
            out["job_ids"].append(job.pk)
            times[job.pk] = {"rows": n, "created": clock() - t0}
        pending = set(out["job_ids"])
        while pending:
            time.sleep(0.2)
            if worker.poll() is not None:
                sys.exit("the batch worker exited; see var/bench-import-worker.log")
            for job in ImportJob.objects.filter(pk__in=pending):
                if job.status == S.READY:
                    times[job.pk]["ready"] = clock() - t0
                    imports.import_job_apply_request(actor=user, job=job)
                elif job.status == S.DONE:
                    times[job.pk]["done"] = clock() - t0
                    pending.discard(job.pk)
                elif job.status in (S.FAILED, S.CANCELLED):
                    sys.exit(f"job {job.pk} ended {job.status}: {job.error_message}")
        wall, busy = clock() - t0, machine_busy() - busy0
    finally:
        stop_worker(worker)
    out.update(wall=wall, busy=busy, times=times)
    log(f"import: {args.people:,} people in {wall:.1f} s ({args.people / wall:,.0f}/s)")

    # The reference: the same rows, chunk by chunk, into the lean copy.
    lean_create(pg)
    cols = [
        c
        for (c,) in pg.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'collection_person' AND column_name <> 'id' "
            "ORDER BY ordinal_position"
        ).fetchall()
    ]
    ids = [
        i
        for (i,) in pg.execute(
            "SELECT id FROM collection_person WHERE name LIKE %s ORDER BY id", [MARK + "%"]
        ).fetchall()
    ]
    lean_cpu = Cpu(pg.execute("SELECT pg_backend_pid()").fetchone()[0])
    out["lean"], out["lean_cpu"], out["written"] = 0.0, 0.0, len(ids)
    names = ", ".join(cols)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        lean_cpu.start()
        t = clock()
        with pg.transaction():
            pg.execute(
                f"INSERT INTO {LEAN} ({names}) SELECT {names} FROM collection_person "
                "WHERE id BETWEEN %s AND %s AND name LIKE %s",
                [chunk[0], chunk[-1], MARK + "%"],
            )
        out["lean"] += clock() - t
        out["lean_cpu"] += lean_cpu.stop()[1]
    log(f"lean INSERT … SELECT: {out['lean']:.1f} s")


def report(args, out, info, db_name) -> None:
    n, wall, lean = args.people, out["wall"], out["lean"]
    print(f"# Import of people through Celery: {n:,} rows, {len(out['times'])} jobs\n")
    print(f"- database `{db_name}`, {out['province']}; batch worker × {args.concurrency}")
    for key, v in info.items():
        print(f"- {key}: {v}")
    print(f"- people written: {out['written']:,}; clean-up: {out['cleanup']}\n")
    print("| contender | time | rows/s | × lean |")
    print("|---|---:|---:|---:|")
    print(f"| lean INSERT … SELECT (one core) | {lean:,.1f} s | {n / lean:,.0f} | 1.0 |")
    print(f"| import, first upload to last job done | {wall:,.1f} s | {n / wall:,.0f} | "
          f"{wall / lean:.1f} |")  # fmt: skip
    print(
        f"\nCPU: the machine was busy {out['busy']:,.1f} CPU-s during the import "
        f"({out['busy'] / wall:.2f} cores on average; everything, the worker, PostgreSQL "
        f"and its background processes, Redis, this process's polling); the lean insert's "
        f"backend {out['lean_cpu']:,.1f} CPU-s: {out['busy'] / out['lean_cpu']:.1f}×.\n"
    )
    rate = n / wall
    print(f"Import: **{rate:,.0f} people/s** end to end. Aim ≥ 15,000 people/s: "
          f"{'MET' if rate >= 15_000 else 'NOT MET'}.\n")  # fmt: skip
    print("| job | rows | uploaded s | checked (ready) s | done s |")
    print("|---|---:|---:|---:|---:|")
    for pk, t in out["times"].items():
        print(f"| {pk} | {t['rows']:,} | {t['created']:.1f} | {t.get('ready', 0):.1f} | "
              f"{t.get('done', 0):.1f} |")  # fmt: skip


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["REDIS_URL"] = args.redis  # this process queues, the worker takes
    django_setup(DATABASE_URL="postgis://postgres@localhost:5432/gridgov_bench")
    from django.conf import settings

    db = bench_database(settings)
    pg = pg_connect(db)
    info = host_info(pg)
    province = bench_province()
    out = {"province": f"{province.name} {province.code}"}
    start_person, start_seq = run_start(pg)
    try:
        run(args, pg, province, out)
    finally:
        log("clean-up ...")
        removed = cleanup(pg, start_person, start_seq, out.get("job_ids", []))
        out["cleanup"] = ", ".join(f"{v:,} {k}" for k, v in removed.items()) + " removed"
    report(args, out, info, db["NAME"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
