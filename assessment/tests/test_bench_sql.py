"""bench/assessment.py times `scheme_compute` beside a hand-written SQL statement, read
alone and writing its scores into lean tables: they must give the same totals and ranks,
and the written reference the same points, values, ranks and vetoes per object × node as
the stored scores, checked here on real cases (so the bench compares like with like)."""

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from assessment.compute import scheme_compute
from assessment.models import Score
from assessment.tests.factories import PERIOD_DAY, cell
from grids.models import Area

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # bench/assessment.py imports bench/common.py
    try:
        spec = importlib.util.spec_from_file_location("bench_assessment", BENCH / "assessment.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def test_hand_written_sql_gives_the_same_totals_and_ranks(bench, townships):
    for i, t in enumerate(townships[:5]):
        cell(t, "events.closed", 3 + 4 * i)
        cell(t, "events.overdue", i % 3)
        cell(t, "events.near_due", (i * 7) % 4)
    cell(townships[5], "events.overdue", 2)  # overdue rate 100 %: vetoes branch B
    system = bench.system_ensure()
    assert system.nodes.filter(source="figure").count() == 20
    from assessment.services import scheme_create

    county = Area.objects.get(code="220102000000")
    scheme = scheme_create(
        actor=None,
        name="基准考核核对",
        system=system,
        area=county,
        period_kind="year",
        period_start=PERIOD_DAY,
        object_level=4,
    )
    revision = scheme_compute(actor=None, scheme=scheme)
    ours = {r.object_code: (r.score, r.rank) for r in revision.results.all()}
    params = {
        "level": 4,
        "prefix": county.path + "%",
        "since": date(2026, 1, 1),
        "until": date(2026, 12, 31),
    }
    with connection.cursor() as cur:
        cur.execute(bench.hand_sql(), params)
        theirs = {code: (total, rank) for code, total, rank in cur.fetchall()}
    assert set(ours) == set(theirs) and len(ours) == len(townships)
    for code, (score, rank) in ours.items():
        assert theirs[code][0] == pytest.approx(score, abs=0.011), code
        assert theirs[code][1] == rank, code

    # The lean reference: the same statement writing what it computed.
    stored = {
        (s.result.object_code, s.indicator.code): (s.score, s.value, s.rank, s.veto)
        for s in Score.objects.filter(result__revision=revision).select_related(
            "result", "indicator"
        )
    }
    with connection.cursor() as cur:
        bench.lean_tables(cur, temporary=True)
        cur.execute(bench.hand_write_sql(), params)
        cur.execute(f"SELECT code, total, rank FROM {bench.LEAN_RESULT}")
        assert {c: (t, r) for c, t, r in cur.fetchall()} == theirs
        cur.execute(f"SELECT code, node, score, value, rank, veto FROM {bench.LEAN_SCORE}")
        written = {(c, n): rest for c, n, *rest in cur.fetchall()}
    assert set(written) == set(stored) and len(stored) == len(townships) * len(bench.TREE)
    for key, (score, value, rank, veto) in stored.items():
        w_score, w_value, w_rank, w_veto = written[key]
        assert w_score == pytest.approx(score, abs=0.011), key
        assert (w_value is None) == (value is None), key
        if value is not None:
            assert w_value == pytest.approx(value, abs=0.051), key
        assert (w_rank, w_veto) == (rank, veto), key
    assert any(veto for *_s, veto in written.values())
    assert revision.results.get(object_code=townships[5].code).vetoed
    assert len({s for s, _r in ours.values()}) > 3  # the fixture tells objects apart
