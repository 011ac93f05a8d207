"""Checking a rule's definition: everything refused here is refused before anything is
saved, with a message naming what is wrong."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .factors import factor_get
from .models import COLOUR_BY_KEY, COLOUR_KEYS, Colour, SubjectKind

MAX_FACTORS = 20
MAX_WEIGHT = 1000
MAX_THRESHOLD = 1_000_000
MAX_HOURS = 24 * 365
DEFAULT_HOURS = {"red": 24, "orange": 48, "yellow": 72, "blue": 120, "green": 168}


def _number(value, label: str, *, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(_("%(l)s须为数字。") % {"l": label}, code="invalid")
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(_("%(l)s须为数字。") % {"l": label}, code="invalid") from None
    if number != number or not lo <= number <= hi:  # NaN, or out of bounds
        raise ValidationError(
            _("%(l)s须在 %(lo)s 到 %(hi)s 之间。") % {"l": label, "lo": lo, "hi": hi},
            code="out_of_range",
        )
    return number


def _date(value, label: str):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(_("%(l)s不是有效日期。") % {"l": label}, code="invalid") from None


def clean_definition(subject_kind: str, definition) -> dict:
    """The definition in its canonical form, or a ValidationError."""
    if subject_kind not in SubjectKind.values:
        raise ValidationError(_("请选择有效的预警对象。"), code="invalid")
    if not isinstance(definition, dict):
        raise ValidationError(_("规则定义格式无效。"), code="invalid")
    factors = definition.get("factors")
    if not isinstance(factors, list) or not factors:
        raise ValidationError(_("规则至少需要一个风险因子。"), code="required")
    if len(factors) > MAX_FACTORS:
        raise ValidationError(
            _("风险因子不能超过 %(n)s 个。") % {"n": MAX_FACTORS}, code="too_many"
        )
    cleaned = []
    for item in factors:
        if not isinstance(item, dict):
            raise ValidationError(_("风险因子格式无效。"), code="invalid")
        factor = factor_get(item.get("code"))
        if subject_kind not in factor.sql:
            raise ValidationError(
                _("风险因子“%(f)s”不适用于该预警对象。") % {"f": factor.name},
                code="factor_kind",
            )
        weight = _number(
            item.get("weight", 1),
            _("因子 %(f)s 的权重") % {"f": factor.code},
            lo=-MAX_WEIGHT,
            hi=MAX_WEIGHT,
        )
        if weight == 0:
            raise ValidationError(
                _("因子 %(f)s 的权重不能为 0。") % {"f": factor.code}, code="invalid"
            )
        cleaned.append(
            {
                "code": factor.code,
                "weight": weight,
                "params": factor.clean_params(item.get("params")),
            }
        )

    thresholds = definition.get("thresholds")
    if not isinstance(thresholds, dict) or set(thresholds) != set(COLOUR_KEYS):
        raise ValidationError(
            _("请填写红、橙、黄、蓝、绿五个等级的阈值。"), code="thresholds_required"
        )
    values = [
        _number(
            thresholds[k],
            _("%(c)s阈值") % {"c": Colour(COLOUR_BY_KEY[k]).label},
            lo=0.0001,
            hi=MAX_THRESHOLD,
        )
        for k in COLOUR_KEYS
    ]
    if any(a <= b for a, b in zip(values, values[1:], strict=False)):
        raise ValidationError(
            _("阈值须按 红 > 橙 > 黄 > 蓝 > 绿 严格递减。"), code="thresholds_order"
        )

    limits = definition.get("time_limits") or DEFAULT_HOURS
    if not isinstance(limits, dict) or set(limits) != set(COLOUR_KEYS):
        raise ValidationError(_("请填写五个等级的处置时限(小时)。"), code="invalid")
    hours = {
        k: int(
            _number(
                limits[k],
                _("%(c)s处置时限(小时)") % {"c": Colour(COLOUR_BY_KEY[k]).label},
                lo=1,
                hi=MAX_HOURS,
            )
        )
        for k in COLOUR_KEYS
    }

    unit_level = int(_number(definition.get("unit_level", 5), _("责任层级"), lo=1, hi=6))
    valid_from = _date(definition.get("valid_from"), _("生效日期"))
    valid_to = _date(definition.get("valid_to"), _("失效日期"))
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(_("失效日期不能早于生效日期。"), code="invalid")
    return {
        "factors": cleaned,
        "thresholds": dict(zip(COLOUR_KEYS, values, strict=True)),
        "time_limits": hours,
        "unit_level": unit_level,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
