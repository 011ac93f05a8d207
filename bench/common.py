"""Helpers shared by the benchmarks: their own psycopg connection and the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def pg_connect(settings_dict, **kw):
    """A psycopg connection of its own to Django's database (autocommit, like Django)."""
    import psycopg

    params = {"dbname": settings_dict["NAME"], "autocommit": True}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"),
                      ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    return psycopg.connect(**params, **kw)


def host_info(pg) -> dict:
    """CPU, memory, OS, PostgreSQL/PostGIS and Python stack, for the record."""
    import django
    import psycopg

    cpu, ram = "?", "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        mem_kb = next(int(line.split()[1]) for line in
                      Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    server = pg.execute("SHOW server_version").fetchone()[0]
    postgis, geos = pg.execute("SELECT postgis_lib_version(), postgis_geos_version()").fetchone()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {ram} RAM",
        "os": platform.platform(),
        "postgres": f"PostgreSQL {server}, PostGIS {postgis} (GEOS {geos})",
        "python": f"Python {platform.python_version()}, Django {django.get_version()}, "
                  f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()})",
    }
