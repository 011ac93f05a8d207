"""Statements kept for the process (governance/compiled.py) are run from every thread of
gunicorn's threaded workers. A geometry column's converter reads WKB with a GEOS reader,
one per thread: a converter kept with the statement would share the reader of the thread
that compiled it with all the others, and two threads reading at once corrupt each
other's geometries (seen under load as a 500: "Points of LinearRing do not form a closed
linestring"). Each thread must read with its own reader."""

import threading
from collections import defaultdict

import pytest
from django.contrib.gis.geos.prototypes.io import _WKBReader
from django.db import connections

from governance.compiled import CompiledQuery, StatementMemo
from grids.models import Area

pytestmark = pytest.mark.django_db

CODES = ("220102001001", "220102001001001", "220103000000")


def _in_thread(work):
    """`work()` run in a new thread (with its own database connection), its result or
    its exception given back."""
    out = {}

    def run():
        try:
            out["value"] = work()
        except BaseException as exc:  # noqa: BLE001 (handed back to the test)
            out["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.fixture
def readers_by_thread(monkeypatch):
    """{reader id: the threads that read WKB with it}, for every WKB read from now on."""
    used = defaultdict(set)
    alive = []  # readers and threads kept, so that no id is used twice
    read = _WKBReader.read

    def spy(self, *args, **kwargs):
        alive.append((self, threading.current_thread()))
        used[id(self)].add(id(threading.current_thread()))
        return read(self, *args, **kwargs)

    monkeypatch.setattr(_WKBReader, "read", spy)
    return used


def _roots_memo():
    memo = StatementMemo()
    return lambda: memo.objects(
        CODES,
        lambda: Area.objects.filter(code__in=CODES).defer("boundary").order_by("code"),
        Area,
    )


def test_kept_statement_reads_geometries_with_each_threads_own_reader(readers_by_thread):
    read = _roots_memo()
    compiled_in_thread = _in_thread(read)  # compiled (converters built) in another thread
    here = read()
    also_elsewhere = _in_thread(read)
    expected = list(Area.objects.filter(code__in=CODES).defer("boundary").order_by("code"))
    for got in (compiled_in_thread, here, also_elsewhere):
        assert [(a.code, a.centroid, a.boundary_simple) for a in got] == [
            (a.code, a.centroid, a.boundary_simple) for a in expected
        ]
    assert readers_by_thread, "no geometry was read"
    shared = {reader: threads for reader, threads in readers_by_thread.items() if len(threads) > 1}
    assert not shared, f"a GEOS reader used by several threads: {shared}"


def test_compiled_query_reads_geometries_with_each_threads_own_reader(readers_by_thread):
    query = CompiledQuery(
        lambda code: Area.objects.filter(code=code).values("code", "centroid"),
        code="SAMPLE-CODE-0",
    )
    first = _in_thread(lambda: query.rows(code=CODES[0]))
    second = query.rows(code=CODES[0])
    assert first == second and first[0]["centroid"] is not None
    assert first[0]["centroid"] == Area.objects.get(code=CODES[0]).centroid
    assert all(len(threads) == 1 for threads in readers_by_thread.values())


def test_threads_reading_kept_and_plain_geometries_at_once():
    """The load test's race, run on purpose: threads read the same kept statement while
    each also reads outlines through the plain ORM. With a shared reader this raised
    GEOSException or gave wrong outlines."""
    read = _roots_memo()
    expected = {a.code: a.boundary for a in Area.objects.filter(code__in=CODES)}
    start = threading.Barrier(6)
    errors = []

    def hammer():
        try:
            start.wait(30)
            for _ in range(15):
                assert [a.code for a in read()] == sorted(CODES)
                for a in Area.objects.filter(code__in=CODES):
                    assert a.boundary.equals_exact(expected[a.code])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
