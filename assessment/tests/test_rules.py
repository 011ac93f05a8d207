"""The arithmetic of every rule kind (pure functions, hypothesis): bounds, monotonicity,
caps, floors, ties; and the refusal of parameters that cannot mean anything."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assessment.rules import ranks, rule_apply, rule_apply_all, rule_check

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
counts = st.integers(min_value=0, max_value=10_000)
fulls = st.floats(min_value=0.5, max_value=1000, allow_nan=False)


def points(kind, params, value, full):
    return rule_apply(kind, rule_check(kind, params, full_marks=full), value, full).points


@given(values, values, fulls, st.sampled_from(["higher", "lower"]))
def test_linear_bounded_and_monotone(a, b, full, direction):
    p = {"low": 60, "high": 100, "direction": direction}
    pa, pb = points("linear", p, a, full), points("linear", p, b, full)
    assert 0 <= pa <= full and 0 <= pb <= full
    lo, hi = (pa, pb) if a <= b else (pb, pa)
    assert (lo <= hi + 1e-9) if direction == "higher" else (lo + 1e-9 >= hi)


def test_linear_hand_computed():
    p = {"low": 60, "high": 100}
    assert points("linear", p, 90, 10) == pytest.approx(7.5)
    assert points("linear", p, 50, 10) == 0
    assert points("linear", p, 120, 10) == 10
    assert points("linear", {**p, "direction": "lower"}, 70, 10) == pytest.approx(7.5)


@given(counts, counts, fulls, st.floats(min_value=0.1, max_value=50))
def test_deduction_floor_and_monotone(a, b, full, per):
    p = {"per": per, "floor": full / 4}
    pa, pb = points("deduction", p, a, full), points("deduction", p, b, full)
    assert full / 4 - 1e-9 <= pa <= full
    if a <= b:
        assert pa >= pb - 1e-9


@given(counts, fulls, st.floats(min_value=0.1, max_value=50))
def test_bonus_cap(n, full, per):
    p = {"per": per, "cap": full / 2}
    got = points("bonus", p, n, full)
    assert 0 <= got <= full / 2 + 1e-9
    assert got == pytest.approx(min(per * n, full / 2))


@given(values, fulls)
def test_bands_monotone_and_bounded(v, full):
    p = {
        "bands": [
            {"bound": 95, "ratio": 1},
            {"bound": 80, "ratio": 0.6},
            {"bound": 0, "ratio": 0.2},
        ]
    }
    got = points("bands", p, v, full)
    assert 0 <= got <= full
    assert got <= points("bands", p, v + 10, full) + 1e-9


def test_bands_hand_computed():
    p = {"direction": "lower", "bands": [{"bound": 2, "ratio": 1}, {"bound": 5, "ratio": 0.5}]}
    assert [points("bands", p, v, 10) for v in (1, 2, 3, 5, 6)] == [10, 10, 5, 5, 0]


@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=40))
def test_ranks_ties_share_the_best_place(vals):
    r = ranks(vals)
    for i, v in enumerate(vals):
        assert r[i] == 1 + sum(1 for w in vals if w > v)


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30), fulls)
def test_rank_rule_better_never_scores_less(vals, full):
    p = rule_check(
        "rank", {"tiers": [{"top_pct": 20, "ratio": 1}, {"top_pct": 50, "ratio": 0.8}], "rest": 0.5}
    )
    out = rule_apply_all("rank", p, vals, full)
    for i in range(len(vals)):
        assert full * 0.5 - 1e-9 <= out[i].points <= full + 1e-9
        for j in range(len(vals)):
            if vals[i] > vals[j]:
                assert out[i].points >= out[j].points - 1e-9


def test_rank_hand_computed_with_ties():
    p = rule_check("rank", {"tiers": [{"top_pct": 40, "ratio": 1}], "rest": 0.5})
    out = rule_apply_all("rank", p, [9, 7, 9, 3, 1], 10)
    # ranks 1, 3, 1, 4, 5; the top 40 % of 5 are the first 2 places
    assert [o.points for o in out] == [10, 5, 10, 5, 5]


def test_veto():
    p = rule_check("veto", {"threshold": 1})
    assert rule_apply("veto", p, 1, 0).veto and not rule_apply("veto", p, 0, 0).veto


@pytest.mark.parametrize(
    "kind,params,fragment",
    [
        ("linear", {"low": 100, "high": 60}, "界值颠倒"),
        (
            "bands",
            {"bands": [{"bound": 50, "ratio": 0.5}, {"bound": 90, "ratio": 0.4}]},
            "次序颠倒",
        ),
        ("deduction", {"per": 1, "floor": 20}, "不能高于应得分"),
        ("bonus", {"per": 1, "cap": 20}, "不能高于应得分"),
        (
            "rank",
            {"tiers": [{"top_pct": 50, "ratio": 1}, {"top_pct": 20, "ratio": 0.5}]},
            "次序颠倒",
        ),
        ("bands", {"bands": [{"bound": 1, "ratio": 2}]}, "0 到 1"),
        ("nope", {}, "未知的规则类型"),
    ],
)
def test_nonsense_parameters_are_refused(kind, params, fragment):
    with pytest.raises(ValidationError) as exc:
        rule_check(kind, params, full_marks=10)
    assert any(fragment in m for m in exc.value.messages)
