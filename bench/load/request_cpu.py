"""Under load, what each request kind costs its own thread (bench/load/run.py --request-cpu).

`request_cost.py` measures a kind alone, in one process with nothing else running. Under
load the web tier's CPU per request has been about twice the mix's in-process cost
(docs/performance.md, "Load"): either the same work runs slower on a busy machine, or
work outside Django's request handling (gunicorn's parsing, the access log, its thread
pool, the collector) grows. This middleware, outermost in the stack, adds each request's
thread CPU time (CLOCK_THREAD_CPUTIME_ID: the time this thread ran, not the time it waited
for the GIL, the database or a core) to its kind — method and URL name — and each gunicorn
worker writes its totals to var/bench-load/request-cpu/<pid>.json; run.py sets them beside
the worker processes' whole CPU. Never in production settings."""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "var" / "bench-load" / "request-cpu"
WRITE_EVERY = 500  # requests between two writes of the totals (and at exit)

_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # kind → [requests, CPU seconds]
_since_write = 0

# psycopg's prepared statements, counted per process: an execution not yet prepared
# (below prepare_threshold, or evicted) is parsed and planned again by PostgreSQL; a
# rollback (a savepoint's too) clears the connection's whole cache.
_prepared = {"unprepared": 0, "prepare": 0, "prepared": 0, "cleared": 0, "evicted": 0}
_unprepared_sql: dict[str, int] = {}  # the start of each unprepared statement's SQL


def _count_prepared_statements() -> None:
    from psycopg import _preparing

    manager = _preparing.PrepareManager
    get, clear, rotate = manager.get, manager.clear, manager._rotate
    names = {_preparing.Prepare.NO: "unprepared", _preparing.Prepare.SHOULD: "prepare"}

    def counted_get(self, query, prepare=None):
        result = get(self, query, prepare)
        name = names.get(result[0], "prepared")
        _prepared[name] += 1
        if name == "unprepared" and len(_unprepared_sql) < 10_000:
            sql = bytes(query.query[:150]).decode(errors="replace")
            _unprepared_sql[sql] = _unprepared_sql.get(sql, 0) + 1
        return result

    def counted_clear(self):
        cleared = clear(self)
        _prepared["cleared"] += cleared
        return cleared

    def counted_rotate(self):
        before = len(self._names)
        rotate(self)
        _prepared["evicted"] += before - len(self._names)

    manager.get, manager.clear, manager._rotate = counted_get, counted_clear, counted_rotate


_count_prepared_statements()


def _write() -> None:
    with _lock:
        data = {k: list(v) for k, v in _totals.items()}
        data["\x00prepared statements"] = dict(_prepared)
        data["\x00unprepared"] = dict(_unprepared_sql)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


atexit.register(_write)


class RequestCPUMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global _since_write
        started = time.thread_time()
        response = self.get_response(request)
        used = time.thread_time() - started
        match = request.resolver_match
        kind = f"{request.method} {match.view_name if match else request.path}"
        with _lock:
            entry = _totals.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += used
            _since_write += 1
            due = _since_write >= WRITE_EVERY
            if due:
                _since_write = 0
        if due:
            _write()
        return response


PREPARED = "prepared statements"
UNPREPARED = "unprepared statements"


def read_totals() -> dict:
    """Every worker's totals, summed by kind (run.py, after the stack has stopped), and
    under PREPARED the statements' counters."""
    totals: dict = {}
    for path in OUT.glob("*.json"):
        data = json.loads(path.read_text())
        for key, n in data.pop("\x00prepared statements", {}).items():
            totals.setdefault(PREPARED, {}).setdefault(key, 0)
            totals[PREPARED][key] += n
        for sql, n in data.pop("\x00unprepared", {}).items():
            totals.setdefault(UNPREPARED, {}).setdefault(sql, 0)
            totals[UNPREPARED][sql] += n
        for kind, (n, cpu) in data.items():
            entry = totals.setdefault(kind, [0, 0.0])
            entry[0] += n
            entry[1] += cpu
    return totals
