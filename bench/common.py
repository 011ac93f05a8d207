"""Helpers shared by the benchmarks: their own psycopg connection, the machine, the bench
database and its province, timing rows with their percentiles, and Markdown result tables."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path


def pg_connect(settings_dict, **kw):
    """A psycopg connection of its own to Django's database (autocommit, like Django)."""
    import psycopg

    params = {"dbname": settings_dict["NAME"], "autocommit": True}
    for key, name in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    return psycopg.connect(**params, **kw)


def host_info(pg) -> dict:
    """CPU, memory, OS, PostgreSQL/PostGIS and Python stack, for the record."""
    import django
    import psycopg

    cpu, ram = "?", "?"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    speed = machine_speed(pg)
    server = pg.execute("SHOW server_version").fetchone()[0]
    postgis, geos = pg.execute("SELECT postgis_lib_version(), postgis_geos_version()").fetchone()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {ram} RAM",
        "os": platform.platform(),
        "postgres": f"PostgreSQL {server}, PostGIS {postgis} (GEOS {geos})",
        "python": f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()})",
        "speed": speed,
    }


def machine_speed(pg) -> str:
    """Fixed probes, printed with every bench's results so that figures taken on different
    machines (or on the same one on a bad day) can be compared (docs/performance.md,
    "Machine speed"). Python: a loop of 10 million additions (the interpreter, in the CPU's
    caches) and a dict of 1,000,000 entries walked in hash order (random memory access,
    like a Django request's large working set); CPU seconds of this process. PostgreSQL:
    one INSERT … SELECT of 1,000,000 rows (id, md5) into a temporary table, rolled back.
    Each the best of three."""
    import time

    def loop() -> float:
        t = time.process_time()
        s = 0
        for i in range(10_000_000):
            s += i
        return time.process_time() - t

    def memory() -> float:
        t = time.process_time()
        d = {f"k{i}": (i, str(i)) for i in range(1_000_000)}
        s = 0
        for k in sorted(d, key=hash):
            s += d[k][0]
        return time.process_time() - t

    def insert() -> float:
        pg.execute("BEGIN")
        try:
            pg.execute("CREATE TEMP TABLE speed_probe (g int, m text) ON COMMIT DROP")
            t = time.perf_counter()
            pg.execute(
                "INSERT INTO speed_probe SELECT g, md5(g::text) FROM generate_series(1, 1000000) g"
            )
            return time.perf_counter() - t
        finally:
            pg.execute("ROLLBACK")

    best = [min(probe() for _ in range(3)) for probe in (loop, memory, insert)]
    return (
        "probes (s, best of 3): Python loop {:.2f}, Python dict walk {:.2f}, "
        "PostgreSQL 1M-row INSERT … SELECT {:.2f}".format(*best)
    )


# ----------------------------------------------------------------------------- database


def django_setup(*, debug: bool = False, request_log_level: int | None = None, **env: str) -> None:
    """Django with the dev settings against the bench database: `env` gives defaults for
    the environment (DATABASE_URL=…); DEBUG is off unless asked for. Missing static files
    are not warned about; with `request_log_level`, django.request logs only from there."""
    import logging
    import warnings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.dev")
    for key, value in env.items():
        os.environ.setdefault(key, value)
    if debug:
        os.environ["DEBUG"] = "true"
    else:
        os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    if request_log_level is not None:
        logging.getLogger("django.request").setLevel(request_log_level)
    warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT not built


def bench_database(settings, hint: str = "") -> dict:
    """Django's default database, refusing anything not named like a bench database."""
    db = settings.DATABASES["default"]
    if "bench" not in db["NAME"]:
        sys.exit(f"refusing to run on database {db['NAME']!r}: use the bench database{hint}")
    return db


def bench_province():
    """The province the bench database holds (boundaries deferred), or exit."""
    from grids.models import Area

    province = (
        Area.objects.defer("boundary", "boundary_simple").filter(level=1).order_by("code").first()
    )
    if province is None:
        sys.exit("no province in this database: load one first (bench/README.md)")
    return province


# ----------------------------------------------------------------------------- timing

NS_PER = {"ms": 1e6, "µs": 1e3}


def percentile(values_ns: list[int], q: float, unit: str = "ms") -> float | None:
    """Nearest-rank percentile of nanosecond timings, in `unit` (ms or µs)."""
    if not values_ns:
        return None
    s = sorted(values_ns)
    return s[min(len(s) - 1, max(0, -(-len(s) * q // 100) - 1))] / NS_PER[unit]


@dataclass
class TimedRow:
    """One contender's timings: `n` calls (or events) in `wall_ns`, with the per-call
    latencies in `lat_ns` (empty for batch rows)."""

    name: str
    n: int = 0
    wall_ns: int = 0
    lat_ns: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def rate(self) -> float:
        return self.n / (self.wall_ns / 1e9) if self.wall_ns else 0.0

    def mean(self, unit: str = "ms") -> float:
        return self.wall_ns / self.n / NS_PER[unit] if self.n else 0.0

    def pct(self, q: float, unit: str = "ms") -> float | None:
        return percentile(self.lat_ns, q, unit)


def fmt(v, digits=1):
    """A number with thousands separators, or — for none."""
    return "—" if v is None else f"{v:,.{digits}f}"


def md_table(header: list[str], align: str, rows) -> str:
    """A Markdown table: `align` is one letter a column, l (left) or r (right)."""
    rule = "|" + "|".join("---" if a == "l" else "--:" for a in align) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
