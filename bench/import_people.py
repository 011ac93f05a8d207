"""Benchmark: bulk import of people (collection/imports.py) beside an INSERT … SELECT of the
same rows into a lean copy of collection_person, measured in the same run.

Usage (from the project root, on a bench database, see bench/README.md — one city is
enough; run `manage.py migrate` on it first):

    DATABASE_URL=postgis://postgres@localhost:5432/gridgov_bench \\
    .venv/bin/python bench/import_people.py [--people 1000000] [--batch 200000]

Results: docs/performance-import.md.

Data. --people N people (all new, all valid), generated vectorised with numpy/pandas:
18-digit GB 11643 ID numbers (region 220102, birth date and sequence from the row
number, so unique; check digit computed as collection.validators.id_check_digit does),
mobile numbers, one of the four 人口类型 labels, a short address, and a grid drawn
uniformly at random (seeded) from every level-6 grid of the province. Names start with
"基准" (the clean-up marker).

The service caps a file at imports.MAX_ROWS rows and MAX_UPLOAD_BYTES bytes, so N is
dealt into jobs of --batch rows (default MAX_ROWS). Per batch, in turn:
  import       the services as the web view and the Celery tasks call them:
               import_job_create (stores the upload), import_job_validate,
               import_job_apply_request, import_job_apply, mode all_or_nothing, as a
               COUNTY_DISPATCHER of the province (user bench_people_importer);
  lean         the reference, timed between validate and apply: one INSERT … SELECT of
               the job's staging table (joined to the grids, as the merge does) into
               bench_person_lean, a copy of collection_person (LIKE … INCLUDING
               DEFAULTS, IDENTITY, CONSTRAINTS) with only the indexes the queries need
               (those of docs/performance-import.md, "Indexes"), committed. It grows by
               the same rows as collection_person. What it leaves out is what the import
               adds: reading and checking the file, encryption, the staging COPY, the
               conflict handling, the change feed, the verification tasks, the rollups,
               the foreign-key checks, the job's bookkeeping.
Celery is not involved: imports._queue is replaced by a no-op in this process and the
bench calls the task bodies itself. Inside the services the time is split by wrapping the
module's functions (read_table, check_rows and its parts, _stage, merge, _write …) and by
an execute wrapper (SQL per statement kind); peak RSS (VmHWM, reset through
/proc/self/clear_refs before each phase).

Clean-up: the people written, their change-feed rows and verification tasks, the import
jobs (and their rows and uploads) and the lean table are removed at the end, then the
three tables REINDEXed (the next run finds their indexes unbloated) and VACUUM ANALYZEd.
Audit rows stay (governance_auditlog is append-only by trigger): two per job
(create, import). The bench user
stays for the next run. Refuses to run on a database whose name lacks "bench"."""

from __future__ import annotations

import argparse
import base64
import io
import os
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

from common import bench_database, bench_province, django_setup, host_info, pg_connect

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

IMPORTER = "bench_people_importer"
MARK = "基准"
LEAN = "bench_person_lean"
# The indexes the queries need (collection/models/people.py), on the lean copy.
LEAN_INDEXES = (
    "CREATE UNIQUE INDEX ON {t} (id_number_index)",
    "CREATE INDEX ON {t} (id_masked_index)",
    "CREATE INDEX ON {t} (grid_id, kind)",
    "CREATE INDEX ON {t} (area_path varchar_pattern_ops)",
    "CREATE INDEX ON {t} (house_id) WHERE house_id IS NOT NULL",
    "ALTER TABLE {t} ADD PRIMARY KEY (id)",
)
REGION = "220102"
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏辉")
STREETS = [
    "人民大街",
    "亚泰大街",
    "自由大路",
    "解放大路",
    "前进大街",
    "红旗街",
    "重庆路",
    "西安大路",
    "普阳街",
    "卫星路",
    "东盛大街",
    "南湖大路",
]
KIND_LABELS = ["户籍人口", "流动人口", "境外人员", "留守人员"]
PERSON_COLUMNS = (
    "name",
    "doc_type",
    "id_number",
    "id_number_index",
    "id_masked_index",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "phone_index",
    "kind",
    "household_address",
    "residence_address",
    "relation",
    "house_id",
    "grid_id",
    "area_path",
    "extra",
    "created_at",
    "updated_at",
)
clock = time.perf_counter


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--people", type=int, default=1_000_000, help="people imported (default 1,000,000)"
    )
    p.add_argument(
        "--batch",
        type=int,
        default=0,
        help="rows per import job (default and maximum: imports.MAX_ROWS)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--keep", action="store_true", help="skip the clean-up (inspection)")
    args = p.parse_args(argv)
    if args.people < 2 or args.batch < 0:
        p.error("--people >= 2, --batch >= 0")
    return args


# ----------------------------------------------------------------------------- memory


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def rss_mib(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by a PostgreSQL backend of this machine (the
    bench runs beside its server); NaN when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return float("nan")


class Cpu:
    """CPU seconds of this process and of a backend between start() and stop(): on a shared
    machine they count the work done, where the wall clock also counts the waits for a
    core."""

    def __init__(self, pid: int | None):
        self.pid = pid

    def start(self) -> None:
        self.own, self.db = time.process_time(), backend_cpu(self.pid)

    def stop(self) -> tuple[float, float]:
        return time.process_time() - self.own, backend_cpu(self.pid) - self.db


# ----------------------------------------------------------------------------- data


def id_numbers(first: int, n: int):
    """n unique valid ID numbers for rows first .. first+n-1 (vectorised)."""
    import numpy as np
    import pandas as pd

    from collection.validators import ID_CHECK_CHARS, ID_WEIGHTS

    i = np.arange(first, first + n, dtype=np.int64)
    born = pd.to_datetime("1950-01-01") + pd.to_timedelta(i // 1000, unit="D")
    ymd = (born.year.to_numpy() * 10000 + born.month.to_numpy() * 100 + born.day.to_numpy()).astype(
        np.int64
    )
    seq = (i % 1000).astype(np.int64)
    digits = np.empty((n, 18), dtype=np.uint8)
    digits[:, :6] = np.frombuffer(REGION.encode(), dtype=np.uint8) - 48
    for k in range(8):
        digits[:, 6 + k] = (ymd // 10 ** (7 - k)) % 10
    for k in range(3):
        digits[:, 14 + k] = (seq // 10 ** (2 - k)) % 10
    weights = np.array(ID_WEIGHTS, dtype=np.int64)
    check = (digits[:, :17].astype(np.int64) @ weights) % 11
    chars = np.frombuffer(ID_CHECK_CHARS.encode(), dtype=np.uint8)
    ascii_ = digits + 48
    ascii_[:, 17] = chars[check]
    numbers = ascii_.view("S18").ravel().astype(str)
    births = born.date
    genders = np.where(seq % 2 == 1, "male", "female")
    return numbers, births, genders


def people_frame(first: int, n: int, grids, rng):
    """The batch as the CSV's columns, plus birth dates, genders, grid ids and paths."""
    import numpy as np
    import pandas as pd

    numbers, births, genders = id_numbers(first, n)
    sn = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    gv = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    names = np.char.add(np.char.add(MARK, sn), gv)
    phones = np.char.add(
        "13", pd.Series(rng.integers(0, 10**9, n)).astype(str).str.zfill(9).to_numpy().astype(str)
    )
    streets = np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    addresses = np.char.add(np.char.add(streets, rng.integers(1, 999, n).astype(str)), "号")
    kinds = np.array(KIND_LABELS)[rng.integers(0, 4, n)]
    pick = rng.integers(0, len(grids), n)
    frame = pd.DataFrame(
        {
            "姓名": names,
            "证件号码": numbers,
            "联系电话": phones,
            "人口类型": kinds,
            "居住地址": addresses,
            "所属网格": grids["code"].to_numpy()[pick],
        }
    )
    extra = {
        "birth": births,
        "gender": genders,
        "grid_id": grids["id"].to_numpy()[pick],
        "path": grids["path"].to_numpy()[pick],
    }
    return frame, extra


def csv_bytes(frame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def lean_insert(pg, job_id: int, cpu: Cpu) -> float:
    """The reference: the job's staging table into the lean copy, one statement, committed."""
    cols = ", ".join(PERSON_COLUMNS)
    cpu.start()
    t0 = clock()
    with pg.transaction():
        pg.execute(
            f"""INSERT INTO {LEAN} ({cols})
            SELECT s.name, s.doc_type, s.id_number, s.id_number_index, s.id_masked_index,
                COALESCE(s.gender, ''), s.birth_date, COALESCE(s.ethnicity, ''),
                COALESCE(s.phone, ''), COALESCE(s.phone_index, ''),
                COALESCE(s.kind, 'registered'), COALESCE(s.household_address, ''),
                COALESCE(s.residence_address, ''), '', NULL, a.id, a.path,
                COALESCE(s.extra, '{{}}'::jsonb), now(), now()
            FROM scratch.collection_import_{int(job_id)} s
            JOIN grids_area a ON a.code = s.grid_code AND a.level = 6"""
        )
    return clock() - t0, cpu.stop()[1]


# ----------------------------------------------------------------------------- timing


class Meter:
    """Inclusive times per (phase, part), SQL time per (phase, statement kind)."""

    def __init__(self):
        self.phase = "?"
        self.t = defaultdict(float)
        self.sql = defaultdict(float)
        self.sql_n = defaultdict(int)
        self.rss = defaultdict(float)

    def wrap(self, module, name: str, part: str | None = None):
        func = getattr(module, name)
        part = part or name

        def timed(*a, **kw):
            t0 = clock()
            try:
                return func(*a, **kw)
            finally:
                self.t[(self.phase, part)] += clock() - t0

        setattr(module, name, timed)

    def execute(self, execute, sql, params, many, context):
        s = sql.lstrip()
        head = s[:80]
        if head.startswith("WITH merged"):
            kind = "merge + change feed + verification (one statement)"
        elif "governance_figure" in head:
            kind = "rollups (figures_apply_where, before and after)"
        elif head.startswith("SELECT s.row_number"):
            kind = "existing records (staging join)"
        elif "collection_importjob" in head:
            kind = "job row (claim, progress, lock, save)"
        elif "collection_import_" in head:
            kind = "staging create/drop"
        elif '"governance_auditlog"' in head:
            kind = "audit INSERT (job rows)"
        else:
            kind = "other"
        t0 = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql[(self.phase, kind)] += clock() - t0
            self.sql_n[(self.phase, kind)] += 1


def instrument(meter: Meter) -> None:
    from collection import imports
    from collection.importing import rows, staging

    imports._queue = lambda task_name, job_id: None  # the bench runs the task bodies
    for name in (
        "_file_bytes",
        "read_table",
        "check_rows",
        "_stage",
        "_store_rejected",
        "_store_preview",
        "_write",
        "_announce",
        "audit_record",
    ):
        meter.wrap(imports, name)
    for name in ("_reject_duplicates", "_check_grids"):
        meter.wrap(rows, name)
    for name in (
        "stage_create",
        "_copy_text",
        "stage_copy",
        "stage_existing",
        "merge",
        "stage_drop",
    ):
        meter.wrap(staging, name)


# ----------------------------------------------------------------------------- setup


def importer(province):
    from governance.models import User
    from governance.roles import Role
    from governance.services import role_assign, user_create

    user = User.objects.filter(username=IMPORTER).first()
    if user is None:
        user = user_create(
            actor=None,
            username=IMPORTER,
            password=secrets.token_urlsafe(24),
            full_name="导入基准",
            check_password=False,
        )
    role_assign(actor=None, user=user, role=Role.COUNTY_DISPATCHER, area=province)
    return user


def cleanup(pg, start_person_id: int, start_seq: int, job_ids: list[int]) -> dict:
    from collection.models import ImportJob

    out = {}
    with pg.transaction():
        ids = [
            r[0]
            for r in pg.execute(
                "DELETE FROM collection_person WHERE id > %s AND name LIKE %s RETURNING id",
                [start_person_id, MARK + "%"],
            ).fetchall()
        ]
        out["people"] = len(ids)
        sids = [str(i) for i in ids]
        out["change rows"] = pg.execute(
            "DELETE FROM governance_change WHERE seq > %s AND dataset = 'people' "
            "AND object_id = ANY(%s)",
            [start_seq, sids],
        ).rowcount
        out["verification tasks"] = pg.execute(
            "DELETE FROM collection_verificationtask WHERE dataset = 'people' "
            "AND object_id = ANY(%s)",
            [sids],
        ).rowcount
        pg.execute(f"DROP TABLE IF EXISTS {LEAN}")
        for job_id in job_ids:  # staging tables of jobs that did not end
            pg.execute(f"DROP TABLE IF EXISTS scratch.collection_import_{int(job_id)}")
    jobs = ImportJob.objects.filter(pk__in=job_ids)
    for job in jobs:
        if job.file:
            job.file.storage.delete(job.file.name)
    out["import jobs"] = jobs.delete()[1].get("collection.ImportJob", 0)
    for table in ("collection_person", "governance_change", "collection_verificationtask"):
        # The next run finds the indexes as they were, not bloated by this run's rows.
        pg.execute(f"REINDEX TABLE {table}")
        pg.execute(f"VACUUM ANALYZE {table}")
    return out


# ----------------------------------------------------------------------------- main


def province_grids(pg, province):
    """Every level-6 grid of the province (id, code, path) as a frame, for the generator."""
    import pandas as pd

    return pd.DataFrame(
        pg.execute(
            "SELECT id, code, path FROM grids_area WHERE level = 6 AND path LIKE %s ORDER BY id",
            [province.path + "%"],
        ).fetchall(),
        columns=["id", "code", "path"],
    )


def lean_create(pg) -> None:
    """The reference's table: a copy of collection_person with only LEAN_INDEXES."""
    pg.execute(f"DROP TABLE IF EXISTS {LEAN}")
    pg.execute(
        f"CREATE TABLE {LEAN} (LIKE collection_person INCLUDING DEFAULTS "
        "INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
    )
    for sql in LEAN_INDEXES:
        pg.execute(sql.format(t=LEAN))


def run_start(pg) -> tuple[int, int]:
    """Where this run's people and change rows begin (the clean-up removes from there);
    exits if an earlier run left its people."""
    start_person = pg.execute("SELECT coalesce(max(id), 0) FROM collection_person").fetchone()[0]
    start_seq = pg.execute("SELECT coalesce(max(seq), 0) FROM governance_change").fetchone()[0]
    left = pg.execute(
        "SELECT count(*) FROM collection_person WHERE name LIKE %s", [MARK + "%"]
    ).fetchone()[0]
    if left:
        sys.exit(f"{left} people named {MARK}… are left from an earlier run: remove them first")
    return start_person, start_seq


def run(args, pg, province, out) -> None:
    import numpy as np
    from django.core.files.base import ContentFile
    from django.db import connection

    from collection import imports
    from collection.models import ImportJob

    meter = Meter()
    instrument(meter)
    user = importer(province)
    batch = min(args.batch or imports.MAX_ROWS, imports.MAX_ROWS)
    grids = province_grids(pg, province)
    out["grids"] = len(grids)
    rng = np.random.default_rng(args.seed)
    lean_create(pg)
    totals = defaultdict(float)
    out["batches"], out["bytes"] = [], 0
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        django_cpu = Cpu(cur.fetchone()[0])
    lean_cpu = Cpu(pg.execute("SELECT pg_backend_pid()").fetchone()[0])
    cpu = defaultdict(float)
    done, k = 0, 0
    with connection.execute_wrapper(meter.execute):
        while done < args.people:
            n = min(batch, args.people - done)
            k += 1
            log(f"batch {k}: generating {n} rows ...")
            t0 = clock()
            frame, extra = people_frame(done, n, grids, rng)
            data = csv_bytes(frame)
            if len(data) > imports.MAX_UPLOAD_BYTES:
                sys.exit(
                    f"batch of {n} rows is {len(data)} bytes > MAX_UPLOAD_BYTES: lower --batch"
                )
            gen = clock() - t0
            out["bytes"] += len(data)
            log(f"batch {k}: generated in {gen:.1f} s ({len(data) / 2**20:.1f} MiB); import ...")
            phases = {}
            meter.phase = "create"
            reset_peak()
            t0 = clock()
            job = imports.import_job_create(
                actor=user,
                file=ContentFile(data, name=f"bench_people_{k}.csv"),
                mode=ImportJob.Mode.ALL_OR_NOTHING,
            )
            phases["create"] = clock() - t0
            meter.rss["create"] = max(meter.rss["create"], rss_mib())
            out.setdefault("job_ids", []).append(job.pk)
            meter.phase = "validate"
            reset_peak()
            django_cpu.start()
            t0 = clock()
            job = imports.import_job_validate(job_id=job.pk)
            phases["validate"] = clock() - t0
            py, db = django_cpu.stop()
            cpu["validate python"] += py
            cpu["validate postgres"] += db
            meter.rss["validate"] = max(meter.rss["validate"], rss_mib())
            if job is None or job.status != ImportJob.Status.READY:
                sys.exit(
                    f"validation did not end ready: {job and job.status} "
                    f"{job and job.error_message} (invalid {job and job.invalid})"
                )
            # the reference, from the same staging table
            t_lean, lean_db = lean_insert(pg, job.pk, lean_cpu)
            cpu["lean postgres"] += lean_db
            meter.phase = "apply_request"
            t0 = clock()
            job = imports.import_job_apply_request(actor=user, job=job)
            phases["apply_request"] = clock() - t0
            meter.phase = "apply"
            reset_peak()
            django_cpu.start()
            t0 = clock()
            job = imports.import_job_apply(job_id=job.pk)
            phases["apply"] = clock() - t0
            py, db = django_cpu.stop()
            cpu["apply python"] += py
            cpu["apply postgres"] += db
            meter.rss["apply"] = max(meter.rss["apply"], rss_mib())
            if job is None or job.status != ImportJob.Status.DONE or job.creates != n:
                sys.exit(
                    f"apply did not end done with {n} creates: {job and job.status} "
                    f"{job and job.error_message} creates={job and job.creates}"
                )
            imp = sum(phases.values())
            split = ", ".join(f"{p} {v:.1f}" for p, v in phases.items())
            log(
                f"batch {k}: import {imp:.1f} s ({split}); lean INSERT … SELECT {t_lean:.1f} s; "
                f"ratio {imp / t_lean:.1f}x"
            )
            out["batches"].append(
                {
                    "rows": n,
                    "lean": t_lean,
                    "generate": gen,
                    **phases,
                    "import": imp,
                }
            )
            for key, v in (
                ("lean", t_lean),
                ("import", imp),
                *phases.items(),
            ):
                totals[key] += v
            done += n
            del frame, extra, data
    out["totals"], out["meter"], out["batch"] = dict(totals), meter, batch
    out["cpu"] = dict(cpu)
    written = pg.execute(
        "SELECT count(*) FROM collection_person WHERE name LIKE %s", [MARK + "%"]
    ).fetchone()[0]
    out["written"] = written


def phases_total(out, phase: str) -> float:
    return sum(b[phase] for b in out["batches"])


def fmt_s(v: float) -> str:
    return f"{v:,.2f} s"


def print_report(args, out, info, db_name, elapsed) -> None:
    n = args.people
    tot = out["totals"]
    m: Meter = out["meter"]
    print(
        f"# Import of people: {n:,} rows in {len(out['batches'])} job(s) of ≤ "
        f"{out['batch']:,} rows\n"
    )
    print(
        f"- database `{db_name}`, {out['province']}, {out['grids']:,} grids; "
        f"CSV {out['bytes'] / 2**20:,.1f} MiB in all"
    )
    for key, v in info.items():
        print(f"- {key}: {v}")
    print(
        f"- people written by the import: {out['written']:,} (and as many into {LEAN}), "
        f"run took {elapsed:,.0f} s\n"
    )
    print("## Totals\n")
    print("| contender | time | rows/s | × lean INSERT … SELECT |")
    print("|---|---:|---:|---:|")
    for label, key in (
        ("reference: INSERT … SELECT from the staging table into the lean copy", "lean"),
        ("import: create + validate + apply_request + apply", "import"),
        ("  validate only", "validate"),
        ("  apply only", "apply"),
    ):
        v = tot[key]
        print(f"| {label} | {fmt_s(v)} | {n / v:,.0f} | {v / tot['lean']:.1f} |")
    rate = n / tot["import"]
    print(
        f"\nImport: {rate:,.0f} people/s end to end, {tot['import'] / tot['lean']:.1f}× the lean "
        f"INSERT … SELECT ({n / tot['lean']:,.0f} rows/s). Aim ≥ 15,000 people/s: "
        f"{'MET' if rate >= 15_000 else 'NOT MET'}.\n"
    )
    c = out["cpu"]
    work = sum(v for k, v in c.items() if not k.startswith("lean"))
    print("## CPU seconds (robust to the load of others: the work done, not the waits)\n")
    print(
        "This process (Python) and its PostgreSQL backend, read from /proc; background "
        "processes (WAL writer, checkpointer, autovacuum) are not counted, for either.\n"
    )
    print("| part | CPU s | × lean |")
    print("|---|---:|---:|")
    for key in (
        "lean postgres",
        "validate python",
        "validate postgres",
        "apply python",
        "apply postgres",
    ):
        print(f"| {key} | {c.get(key, 0):,.2f} | {c.get(key, 0) / c['lean postgres']:.2f} |")
    print(f"| import, all four | {work:,.2f} | {work / c['lean postgres']:.2f} |")
    print(
        f"\nImport: {n / work:,.0f} people per CPU-second; lean INSERT … SELECT "
        f"{n / c['lean postgres']:,.0f} rows per CPU-second.\n"
    )
    print("## Per batch\n")
    print("| rows | lean INSERT … SELECT | create | validate | apply | import | ratio | people/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in out["batches"]:
        print(
            f"| {b['rows']:,} | {b['lean']:.2f} | {b['create']:.2f} | "
            f"{b['validate']:.2f} | {b['apply']:.2f} | {b['import']:.2f} | "
            f"{b['import'] / b['lean']:.1f}× | {b['rows'] / b['import']:,.0f} |"
        )
    print("\n## Where the time goes (inclusive, summed over batches)\n")
    t = m.t

    def g(phase, part):
        return t.get((phase, part), 0.0)

    v_, a_ = "validate", "apply"
    checks_only = g(v_, "check_rows") - g(v_, "_reject_duplicates") - g(v_, "_check_grids")
    copy_sql = g(v_, "stage_copy") - g(v_, "_copy_text")
    rows = [
        (
            v_,
            "read file + parse (_file_bytes, read_table)",
            g(v_, "_file_bytes") + g(v_, "read_table"),
        ),
        (v_, "column checks, vectorised (check_rows less the two below)", checks_only),
        (v_, "duplicates in the file", g(v_, "_reject_duplicates")),
        (v_, "grid lookup + jurisdiction", g(v_, "_check_grids")),
        (v_, "encrypt ID + phone, blind indexes, COPY text (_copy_text)", g(v_, "_copy_text")),
        (v_, "COPY into the job's staging table (not overlapped with the above)", copy_sql),
        (
            v_,
            "existing records (staging join) + create table",
            g(v_, "stage_existing") + g(v_, "stage_create"),
        ),
        (
            v_,
            "rest of the preview transaction (rejected rows, job, COMMIT)",
            g(v_, "_store_preview") - g(v_, "_stage"),
        ),
        (
            v_,
            "rest of validate (claim, progress)",
            phases_total(out, "validate")
            - g(v_, "_file_bytes")
            - g(v_, "read_table")
            - g(v_, "check_rows")
            - g(v_, "_store_preview"),
        ),
        (a_, "merge + change feed + verification + rollups (staging.merge)", g(a_, "merge")),
        (
            a_,
            "webhook announcement + the job's audit row",
            g(a_, "_announce") + g(a_, "audit_record"),
        ),
        (
            a_,
            "rest of apply (lock, drop staging, job save, COMMIT)",
            phases_total(out, "apply")
            - g(a_, "merge")
            - g(a_, "_announce")
            - g(a_, "audit_record"),
        ),
    ]
    print("| phase | part | time | share of import |")
    print("|---|---|---:|---:|")
    for phase, part, v in rows:
        print(f"| {phase} | {part} | {fmt_s(v)} | {100 * v / tot['import']:.0f} % |")
    print("\n## SQL time by statement kind (execute wrapper)\n")
    print("| phase | statement | count | time |")
    print("|---|---|---:|---:|")
    for (phase, kind), v in sorted(m.sql.items(), key=lambda kv: -kv[1]):
        print(f"| {phase} | {kind} | {m.sql_n[(phase, kind)]:,} | {fmt_s(v)} |")
    print("\n## Peak RSS of the process (VmHWM, reset before each phase; max over batches)\n")
    for phase, v in m.rss.items():
        print(f"- {phase}: {v:,.0f} MiB")
    print(f"\n## Clean-up\n\n{out.get('cleanup')}")


def main(argv=None) -> int:
    args = parse_args(argv)
    # Keys only for this process when neither the settings nor .env provide them.
    env_file = ROOT / ".env"
    env_text = env_file.read_text() if env_file.exists() else ""
    if "FIELD_ENCRYPTION_KEYS" not in env_text:
        os.environ.setdefault(
            "FIELD_ENCRYPTION_KEYS", "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
        )
    if "FIELD_HASH_KEY" not in env_text:
        os.environ.setdefault("FIELD_HASH_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    django_setup(
        DATABASE_URL="postgis://postgres@localhost:5432/gridgov_bench",
        REDIS_URL="redis://localhost:6379/15",
    )
    from django.conf import settings

    db = bench_database(settings)
    t_start = clock()
    pg = pg_connect(db)
    info = host_info(pg)
    province = bench_province()
    out = {"province": f"{province.name} {province.code}"}
    start_person, start_seq = run_start(pg)
    try:
        run(args, pg, province, out)
    finally:
        if not args.keep:
            log("clean-up ...")
            out["cleanup"] = cleanup(pg, start_person, start_seq, out.get("job_ids", []))
            log(f"clean-up: {out['cleanup']}")
    out["cleanup"] = ", ".join(f"{v:,} {k}" for k, v in out.get("cleanup", {}).items()) + (
        " removed; audit rows stay (append-only by trigger): two per job (create, import)."
        if out.get("cleanup")
        else "skipped (--keep)"
    )
    print_report(args, out, info, db["NAME"], clock() - t_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
