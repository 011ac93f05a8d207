"""Schemas of the special-group tags (特殊人群 · 重点青少年): the defaults, an
administrator's override (ExtraFieldSchema under the key ``tag:<tag>``), and the field
list the forms and the display are rendered from.

Besides standard JSON Schema (Draft 2020-12) keywords the schemas use a few ``x-``
annotations, which the validator ignores and the form, the display and the audit read:

``x-visit-every-days``  default visit frequency for a new tag of this kind
``x-order``             order of the fields on forms (jsonb does not keep key order)
``x-widget``            ``"textarea"`` for long text
``x-after``             this date must not be before the named date field
``x-mask``              ``"phone"`` or ``"health"``: shown through that field policy
                        (collection/policy.py: masked or hidden by role)
``x-protected``         never written into the audit trail (only "changed" is)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import ExtraFieldSchema, PersonTag

SCHEMA_PREFIX = "tag:"
MAX_VISIT_EVERY_DAYS = 366
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"

# -- default schemas -------------------------------------------------------------------


def _text(title: str, max_length: int = 100, **kw) -> dict:
    return {"type": "string", "title": title, "maxLength": max_length, **kw}


def _long_text(title: str, max_length: int = 500, **kw) -> dict:
    return {"type": "string", "title": title, "maxLength": max_length, "x-widget": "textarea", **kw}


def _date(title: str, **kw) -> dict:
    return {"type": "string", "format": "date", "title": title, **kw}


def _choice(title: str, *options: tuple[str, str], **kw) -> dict:
    return {
        "type": "string",
        "title": title,
        "oneOf": [{"const": v, "title": t} for v, t in options],
        **kw,
    }


def _choices(title: str, *options: tuple[str, str], **kw) -> dict:
    return {
        "type": "array",
        "title": title,
        "minItems": 1,
        "uniqueItems": True,
        "items": {"type": "string", "oneOf": [{"const": v, "title": t} for v, t in options]},
        **kw,
    }


def _phone(title: str, **kw) -> dict:
    return {
        "type": "string",
        "title": title,
        "pattern": PHONE_PATTERN,
        "x-mask": "phone",
        "x-protected": True,
        "description": _("手机号或带区号的固定电话"),
        **kw,
    }


def _object(title: str, visit_every_days: int, required: list[str], **properties) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "title": title,
        "x-visit-every-days": visit_every_days,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def default_tag_schemas() -> dict[str, dict]:
    """The built-in schemas, titles in the active language (built on each call)."""
    return {
        PersonTag.Tag.RELEASED: _object(
            _("刑满释放人员"),
            30,
            ["original_charge", "sentence", "release_date"],
            original_charge=_text(_("原罪名")),
            sentence=_text(_("原判刑期"), 50, description=_("如:有期徒刑三年六个月")),
            release_date=_date(_("释放日期")),
            prison=_text(_("服刑场所")),
            resettlement=_choice(
                _("安置情况"),
                ("employed", _("已就业")),
                ("self_employed", _("自主创业")),
                ("flexible", _("灵活就业")),
                ("unemployed", _("未就业")),
                ("other", _("其他")),
            ),
            aftercare=_long_text(_("安置帮教情况")),
            recidivist={"type": "boolean", "title": _("是否累犯")},
        ),
        PersonTag.Tag.CORRECTION: _object(
            _("社区矫正对象"),
            7,
            ["correction_type", "correction_start", "correction_end", "original_charge"],
            correction_type=_choice(
                _("矫正类别"),
                ("control", _("管制")),
                ("probation", _("缓刑")),
                ("parole", _("假释")),
                ("outside_execution", _("暂予监外执行")),
            ),
            correction_start=_date(_("矫正开始日期")),
            correction_end=_date(_("矫正结束日期"), **{"x-after": "correction_start"}),
            original_charge=_text(_("原罪名")),
            justice_office=_text(_("执行地司法所")),
        ),
        PersonTag.Tag.DRUG: _object(
            _("吸毒人员"),
            15,
            ["drug_types", "seized_date", "control_measure"],
            drug_types=_choices(
                _("吸食毒品种类"),
                ("heroin", _("海洛因")),
                ("meth", _("冰毒(甲基苯丙胺)")),
                ("ketamine", _("氯胺酮")),
                ("cannabis", _("大麻")),
                ("mdma", _("摇头丸(MDMA)")),
                ("synthetic_cannabinoid", _("合成大麻素")),
                ("other", _("其他")),
            ),
            seized_date=_date(_("查获日期")),
            control_measure=_choice(
                _("管控措施"),
                ("community_detox", _("社区戒毒")),
                ("community_rehab", _("社区康复")),
                ("compulsory_detox", _("强制隔离戒毒")),
                ("voluntary", _("自愿戒毒")),
                ("abstinent_3y", _("戒断三年未复吸")),
                ("other", _("其他")),
            ),
            measure_end=_date(_("措施期满日期"), **{"x-after": "seized_date"}),
        ),
        PersonTag.Tag.MENTAL: _object(
            _("严重精神障碍患者"),
            14,
            ["diagnosis", "risk_level", "guardian_name", "guardian_phone", "caused_trouble"],
            diagnosis=_choice(
                _("诊断"),
                ("schizophrenia", _("精神分裂症")),
                ("schizoaffective", _("分裂情感性障碍")),
                ("paranoid", _("偏执性精神病")),
                ("bipolar", _("双相(情感)障碍")),
                ("epilepsy", _("癫痫所致精神障碍")),
                ("intellectual", _("精神发育迟滞伴发精神障碍")),
                **{"x-protected": True, "x-mask": "health"},
            ),
            risk_level={
                "type": "integer",
                "title": _("危险性评估等级"),
                "minimum": 0,
                "maximum": 5,
                "description": _("0 级无危险行为,5 级持械伤人等"),
            },
            guardian_name=_text(_("监护人姓名"), 50),
            guardian_phone=_phone(_("监护人电话")),
            caused_trouble={"type": "boolean", "title": _("是否有肇事肇祸史")},
            medication=_choice(
                _("服药情况"),
                ("regular", _("规律服药")),
                ("intermittent", _("间断服药")),
                ("none", _("不服药")),
                ("hospitalised", _("住院治疗")),
            ),
        ),
        PersonTag.Tag.AIDS_RISK: _object(
            _("艾滋病危险性行为人员"),
            90,
            ["category", "follow_up"],
            category=_choice(
                _("人员类别"),
                ("hiv", _("艾滋病病毒感染者")),
                ("aids", _("艾滋病病人")),
                ("high_risk", _("高危行为人员")),
                **{"x-protected": True, "x-mask": "health"},
            ),
            route=_choice(
                _("感染途径"),
                ("sexual", _("性传播")),
                ("injection", _("注射吸毒")),
                ("blood", _("血液传播")),
                ("mother_to_child", _("母婴传播")),
                ("unknown", _("不详")),
                **{"x-protected": True, "x-mask": "health"},
            ),
            follow_up=_choice(
                _("随访情况"),
                ("regular", _("定期随访")),
                ("lost", _("失访")),
                ("refused", _("拒绝随访")),
            ),
            on_treatment={"type": "boolean", "title": _("是否接受抗病毒治疗")},
        ),
        PersonTag.Tag.PETITION: _object(
            _("重点上访人员"),
            7,
            ["reason", "petition_count", "last_date", "measures"],
            reason=_long_text(_("上访事由")),
            petition_count={"type": "integer", "title": _("上访次数"), "minimum": 1},
            last_date=_date(_("最近上访日期")),
            level=_choice(
                _("上访层级"),
                ("township", _("乡镇(街道)")),
                ("county", _("县(区)")),
                ("city", _("市")),
                ("province", _("省")),
                ("national", _("进京")),
            ),
            measures=_long_text(_("稳控措施")),
        ),
        PersonTag.Tag.KEY_YOUTH: _object(
            _("重点青少年"),
            30,
            ["youth_type", "guardian_name", "help_measures"],
            youth_type=_choice(
                _("类型"),
                ("idle", _("闲散青少年")),
                ("misbehaving", _("有不良行为青少年")),
                ("vagrant", _("流浪乞讨青少年")),
                ("prisoners_child", _("服刑人员未成年子女")),
                ("left_behind", _("农村留守儿童")),
            ),
            guardian_name=_text(_("监护人"), 50),
            guardian_relation=_choice(
                _("与监护人关系"),
                ("parent", _("父母")),
                ("grandparent", _("祖父母或外祖父母")),
                ("relative", _("其他亲属")),
                ("other", _("其他")),
            ),
            guardian_phone=_phone(_("监护人电话")),
            help_measures=_long_text(_("帮扶措施")),
        ),
    }


# -- effective schemas ------------------------------------------------------------------


def _check_tag(tag: str) -> None:
    if tag not in PersonTag.Tag.values:
        raise ValidationError(_("未知的人员类别:%(t)s") % {"t": tag}, code="invalid")


def tag_schemas() -> dict[str, dict]:
    """Effective schema of every tag (one query for the overrides)."""
    overrides = dict(
        ExtraFieldSchema.objects.filter(dataset__startswith=SCHEMA_PREFIX).values_list(
            "dataset", "schema"
        )
    )
    defaults = default_tag_schemas()
    return {t: overrides.get(SCHEMA_PREFIX + t) or defaults[t] for t in PersonTag.Tag.values}


def tag_schema(tag: str) -> dict:
    _check_tag(tag)
    override = (
        ExtraFieldSchema.objects.filter(dataset=SCHEMA_PREFIX + tag)
        .values_list("schema", flat=True)
        .first()
    )
    return override or default_tag_schemas()[tag]


def tag_schema_overridden() -> set[str]:
    return {
        d.removeprefix(SCHEMA_PREFIX)
        for d in ExtraFieldSchema.objects.filter(dataset__startswith=SCHEMA_PREFIX).values_list(
            "dataset", flat=True
        )
    }


def default_visit_every_days(tag: str, schema: dict | None = None) -> int:
    schema = schema if schema is not None else tag_schema(tag)
    value = schema.get("x-visit-every-days")
    return value if isinstance(value, int) and 1 <= value <= MAX_VISIT_EVERY_DAYS else 30
