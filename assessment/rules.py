"""The arithmetic of the scoring rules: pure functions, no database.

A rule is data — a kind and its parameters (`RuleVersion.params`) — so administrators
configure it without code. Every kind maps an indicator's input value (a figure, a count,
a rank) to points between 0 and the indicator's full marks (应得分); `rule_check` refuses
parameters that could not mean anything (reversed bounds, a cap above the full marks…),
naming the parameter, before anything is saved.

- bands      threshold bands: the ratio of the highest band the value reaches
             (`direction` "higher": value ≥ bound; "lower": value ≤ bound, best first)
- linear     linear between two bounds (0 at the worse one, full marks at the better one)
- deduction  full marks minus `per` points per occurrence, never below `floor`
- bonus      `per` points per occurrence, at most `cap`
- rank       the top x % of the objects get a ratio of the full marks (ties share a rank)
- veto       一票否决: a value at or above `threshold` zeroes the indicator's branch
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

KINDS = ("bands", "linear", "deduction", "bonus", "rank", "veto")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Outcome:
    points: float
    text: str  # the arithmetic, for the explanation shown on screen
    veto: bool = False


def _num(params: dict, key: str, label: str, errors: list) -> float | None:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(_("参数“%(p)s”必须是数字。") % {"p": label})
        return None
    return float(value)


def _ratio(value, label: str, errors: list) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        errors.append(_("“%(p)s”的得分比例必须在 0 到 1 之间。") % {"p": label})
        return None
    return float(value)


def _direction(params: dict, errors: list) -> str:
    direction = params.get("direction", "higher")
    if direction not in DIRECTIONS:
        errors.append(_("方向必须是 higher(越高越好)或 lower(越低越好)。"))
    return direction


def rule_check(kind: str, params, *, full_marks: float | None = None) -> dict:
    """The parameters of a rule of `kind`, normalised; ValidationError listing every
    problem otherwise (nothing is saved by the caller then)."""
    if kind not in KINDS:
        raise ValidationError(_("未知的规则类型:%(k)s") % {"k": kind}, code="invalid_rule")
    if not isinstance(params, dict):
        raise ValidationError(_("规则参数必须是一个对象。"), code="invalid_rule")
    errors: list[str] = []
    out: dict = {}
    if kind == "bands":
        out["direction"] = _direction(params, errors)
        bands = params.get("bands")
        if not isinstance(bands, list) or not bands:
            errors.append(_("分档规则至少需要一档。"))
            bands = []
        clean = []
        for i, band in enumerate(bands, start=1):
            label = _("第 %(n)d 档") % {"n": i}
            if not isinstance(band, dict):
                errors.append(_("%(b)s格式不对。") % {"b": label})
                continue
            bound = _num(band, "bound", label, errors)
            ratio = _ratio(band.get("ratio"), label, errors)
            if bound is not None and ratio is not None:
                clean.append({"bound": bound, "ratio": ratio})
        # Best band first: "higher" bounds descend, "lower" bounds ascend.
        for i in range(1, len(clean)):
            a, b = clean[i - 1]["bound"], clean[i]["bound"]
            if (out["direction"] == "higher" and not a > b) or (
                out["direction"] == "lower" and not a < b
            ):
                errors.append(
                    _("第 %(n)d 档的界值次序颠倒(从最好的一档写起,界值须严格%(w)s)。")
                    % {"n": i + 1, "w": _("递减") if out["direction"] == "higher" else _("递增")}
                )
            if clean[i]["ratio"] > clean[i - 1]["ratio"]:
                errors.append(_("第 %(n)d 档的得分比例高于上一档。") % {"n": i + 1})
        out["bands"] = clean
    elif kind == "linear":
        out["direction"] = _direction(params, errors)
        low = _num(params, "low", _("下限"), errors)
        high = _num(params, "high", _("上限"), errors)
        if low is not None and high is not None and not low < high:
            errors.append(_("下限(%(l)s)必须小于上限(%(h)s):界值颠倒。") % {"l": low, "h": high})
        out.update(low=low, high=high)
    elif kind == "deduction":
        per = _num(params, "per", _("每次扣分"), errors)
        floor = _num(params, "floor", _("最低得分"), errors)
        if per is not None and per <= 0:
            errors.append(_("每次扣分必须大于 0。"))
        if floor is not None and floor < 0:
            errors.append(_("最低得分不能小于 0。"))
        if floor is not None and full_marks is not None and floor > full_marks:
            errors.append(
                _("最低得分(%(f)s)不能高于应得分(%(m)s)。") % {"f": floor, "m": full_marks}
            )
        out.update(per=per, floor=floor)
    elif kind == "bonus":
        per = _num(params, "per", _("每次加分"), errors)
        cap = _num(params, "cap", _("加分上限"), errors)
        if per is not None and per <= 0:
            errors.append(_("每次加分必须大于 0。"))
        if cap is not None and cap < 0:
            errors.append(_("加分上限不能小于 0。"))
        if cap is not None and full_marks is not None and cap > full_marks:
            errors.append(_("加分上限(%(c)s)不能高于应得分(%(m)s)。") % {"c": cap, "m": full_marks})
        out.update(per=per, cap=cap)
    elif kind == "rank":
        out["direction"] = _direction(params, errors)
        tiers = params.get("tiers")
        if not isinstance(tiers, list) or not tiers:
            errors.append(_("排名规则至少需要一档(前百分之几得多少)。"))
            tiers = []
        clean = []
        for i, tier in enumerate(tiers, start=1):
            label = _("第 %(n)d 档") % {"n": i}
            if not isinstance(tier, dict):
                errors.append(_("%(b)s格式不对。") % {"b": label})
                continue
            top = _num(tier, "top_pct", label, errors)
            ratio = _ratio(tier.get("ratio"), label, errors)
            if top is not None and not 0 < top <= 100:
                errors.append(_("%(b)s的百分比必须在 0 到 100 之间。") % {"b": label})
            elif top is not None and ratio is not None:
                clean.append({"top_pct": top, "ratio": ratio})
        for i in range(1, len(clean)):
            if not clean[i]["top_pct"] > clean[i - 1]["top_pct"]:
                errors.append(_("第 %(n)d 档的百分比必须大于上一档:次序颠倒。") % {"n": i + 1})
            if clean[i]["ratio"] > clean[i - 1]["ratio"]:
                errors.append(_("第 %(n)d 档的得分比例高于上一档。") % {"n": i + 1})
        out["tiers"] = clean
        out["rest"] = _ratio(params.get("rest", 0), _("其余"), errors)
        if clean and out["rest"] is not None and out["rest"] > clean[-1]["ratio"]:
            errors.append(_("其余对象的得分比例高于最后一档。"))
    elif kind == "veto":
        out["threshold"] = _num(params, "threshold", _("否决阈值"), errors)
    if errors:
        raise ValidationError(errors, code="invalid_rule")
    return out


# -- the arithmetic ------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x == x else "—"


def _band(value: float, p: dict) -> dict | None:
    """The best band the value reaches, or None."""
    for band in p["bands"]:
        if value >= band["bound"] if p["direction"] == "higher" else value <= band["bound"]:
            return band
    return None


def _linear_share(value: float, p: dict) -> float:
    share = min(max((value - p["low"]) / (p["high"] - p["low"]), 0.0), 1.0)
    return 1.0 - share if p["direction"] == "lower" else share


def _tier(rank: int, n: int, p: dict) -> tuple[dict | None, int]:
    """The first tier whose places (top x % of n, rounded up) hold the rank."""
    for tier in p["tiers"]:
        places = math.ceil(n * tier["top_pct"] / 100)
        if rank <= places:
            return tier, places
    return None, 0


def rule_points(kind: str, p: dict, value: float, full: float, rank=None, n=None) -> float:
    """The points alone: the arithmetic every explanation below states, without its text
    (a scheme computes hundreds of thousands of them; the text is written when shown)."""
    if kind == "bands":
        band = _band(value, p)
        return full * band["ratio"] if band else 0.0
    if kind == "linear":
        return full * _linear_share(value, p)
    if kind == "deduction":
        return min(max(full - p["per"] * value, p["floor"]), full)
    if kind == "bonus":
        return min(p["per"] * max(value, 0.0), p["cap"], full)
    if kind == "rank":
        tier, _places = _tier(rank, n, p)
        return full * (tier["ratio"] if tier else p["rest"])
    if kind == "veto":
        return 0.0
    raise ValueError(kind)


def rule_vetoes(kind: str, p: dict, value: float) -> bool:
    return kind == "veto" and value >= p["threshold"]


def score_bands(value: float, full: float, p: dict) -> Outcome:
    band = _band(value, p)
    if band is None:
        return Outcome(0.0, _("%(v)s 未达到任何一档:0 分") % {"v": _fmt(value)})
    points = rule_points("bands", p, value, full)
    return Outcome(
        points,
        _("%(v)s %(s)s %(b)s,得分比例 %(r)s:%(f)s × %(r)s = %(p)s")
        % {
            "v": _fmt(value),
            "s": "≥" if p["direction"] == "higher" else "≤",
            "b": _fmt(band["bound"]),
            "r": _fmt(band["ratio"]),
            "f": _fmt(full),
            "p": _fmt(points),
        },
    )


def score_linear(value: float, full: float, p: dict) -> Outcome:
    low, high = p["low"], p["high"]
    if p["direction"] == "lower":
        how = _("%(f)s × (%(h)s − %(v)s) / (%(h)s − %(l)s)")
    else:
        how = _("%(f)s × (%(v)s − %(l)s) / (%(h)s − %(l)s)")
    points = rule_points("linear", p, value, full)
    args = {"f": _fmt(full), "v": _fmt(value), "l": _fmt(low), "h": _fmt(high)}
    if low < value < high:
        text = how % args + " = " + _fmt(points)
    else:
        text = _("%(v)s 在 %(l)s–%(h)s 之外,取边界:%(p)s") % {**args, "p": _fmt(points)}
    return Outcome(points, text)


def score_deduction(count: float, full: float, p: dict) -> Outcome:
    raw = full - p["per"] * count
    points = rule_points("deduction", p, count, full)
    text = _("%(f)s − %(per)s × %(n)s = %(raw)s") % {
        "f": _fmt(full),
        "per": _fmt(p["per"]),
        "n": _fmt(count),
        "raw": _fmt(raw),
    }
    if raw < p["floor"]:
        text += _(",不低于 %(fl)s") % {"fl": _fmt(p["floor"])}
    return Outcome(points, text)


def score_bonus(count: float, full: float, p: dict) -> Outcome:
    raw = p["per"] * max(count, 0.0)
    points = rule_points("bonus", p, count, full)
    text = _("%(per)s × %(n)s = %(raw)s") % {
        "per": _fmt(p["per"]),
        "n": _fmt(count),
        "raw": _fmt(raw),
    }
    if raw > points:
        text += _(",封顶 %(c)s") % {"c": _fmt(points)}
    return Outcome(points, text)


def ranks(values: Sequence[float], *, higher_better: bool = True) -> list[int]:
    """Competition ranks ("1224"): equal values share the best of their places."""
    order = sorted(range(len(values)), key=lambda i: -values[i] if higher_better else values[i])
    out = [0] * len(values)
    for pos, i in enumerate(order):
        if pos and values[i] == values[order[pos - 1]]:
            out[i] = out[order[pos - 1]]
        else:
            out[i] = pos + 1
    return out


def score_rank(rank: int, n: int, full: float, p: dict) -> Outcome:
    tier, places = _tier(rank, n, p)
    points = rule_points("rank", p, 0.0, full, rank, n)
    if tier is not None:
        return Outcome(
            points,
            _("第 %(r)d 名 / %(n)d,在前 %(t)s%%(前 %(k)d 名)内:%(f)s × %(q)s = %(p)s")
            % {
                "r": rank,
                "n": n,
                "t": _fmt(tier["top_pct"]),
                "k": places,
                "f": _fmt(full),
                "q": _fmt(tier["ratio"]),
                "p": _fmt(points),
            },
        )
    return Outcome(
        points,
        _("第 %(r)d 名 / %(n)d,不在各档内:%(f)s × %(q)s = %(p)s")
        % {"r": rank, "n": n, "f": _fmt(full), "q": _fmt(p["rest"]), "p": _fmt(points)},
    )


def score_veto(value: float, p: dict) -> Outcome:
    if rule_vetoes("veto", p, value):
        return Outcome(
            0.0,
            _("%(v)s ≥ %(t)s:一票否决,所在分支得 0 分")
            % {"v": _fmt(value), "t": _fmt(p["threshold"])},
            veto=True,
        )
    return Outcome(
        0.0, _("%(v)s < %(t)s:未触发否决") % {"v": _fmt(value), "t": _fmt(p["threshold"])}
    )


def rule_apply(kind: str, p: dict, value: float, full: float, *, rank=None, n=None) -> Outcome:
    """Points for one object (rank rules need `rank` of `n`, see `ranks`)."""
    if kind == "bands":
        return score_bands(value, full, p)
    if kind == "linear":
        return score_linear(value, full, p)
    if kind == "deduction":
        return score_deduction(value, full, p)
    if kind == "bonus":
        return score_bonus(value, full, p)
    if kind == "rank":
        return score_rank(rank, n, full, p)
    if kind == "veto":
        return score_veto(value, p)
    raise ValueError(kind)


def rule_apply_all(kind: str, p: dict, values: Sequence[float], full: float) -> list[Outcome]:
    """Points and text for every object of a scheme at once (a rank rule ranks them
    together) — for a preview; a scheme's computation takes `rule_points_all`."""
    if kind == "rank":
        r = ranks(values, higher_better=p["direction"] == "higher")
        return [
            rule_apply(kind, p, v, full, rank=k, n=len(values))
            for v, k in zip(values, r, strict=True)
        ]
    return [rule_apply(kind, p, v, full) for v in values]


@dataclass(frozen=True)
class Column:
    """A rule over every object's value at once: points, vetoes, and each object's rank
    among them (rank rules only; None otherwise)."""

    points: list[float]
    vetoes: list[bool]
    ranks: list[int] | None


def rule_points_all(kind: str, p: dict, values: Sequence[float], full: float) -> Column:
    """Column-wise: the points of every object without composing any text (the text is
    `rule_apply` of the same value, rank and count, when a score is shown)."""
    if kind == "rank":
        r = ranks(values, higher_better=p["direction"] == "higher")
        n = len(values)
        points = [rule_points(kind, p, 0.0, full, k, n) for k in r]
        return Column(points, [False] * n, r)
    if kind == "veto":
        return Column([0.0] * len(values), [v >= p["threshold"] for v in values], None)
    return Column([rule_points(kind, p, v, full) for v in values], [False] * len(values), None)
