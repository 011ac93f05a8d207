"""Special groups and key youth (特殊人群 · 重点青少年) as tags on people.

Each tag carries its own extra fields ("专项信息"), described by a JSON Schema (Draft
2020-12). The effective schema of a tag is the administrator's override stored in
ExtraFieldSchema under the key ``tag:<tag>`` if there is one, else the default below.
Besides standard keywords the schemas use a few ``x-`` annotations, which the validator
ignores and the form, the display and the audit read:

``x-visit-every-days``  default visit frequency for a new tag of this kind
``x-order``             order of the fields on forms (jsonb does not keep key order)
``x-widget``            ``"textarea"`` for long text
``x-after``             this date must not be before the named date field
``x-mask``              ``"phone"``: shown through the phone field policy (masked by role)
``x-protected``         never written into the audit trail (only "changed" is)

A tag is ended (解除矫正, 帮教期满 …), not deleted: ended tags stay as history and at
most one tag of a kind is active per person.
"""

from __future__ import annotations

import datetime
from typing import Any

import jsonschema
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record, snapshot
from governance.changes import record_change
from governance.roles import Action, Role
from governance.scoping import jurisdiction_paths, path_in_jurisdiction
from grids.models import ancestor_paths

from . import policy
from .models import Person, PersonTag
from .work_models import ExtraFieldSchema

SCHEMA_PREFIX = "tag:"
UNSET: Any = object()  # "not given": keep the current value on update, default on create
MAX_VISIT_EVERY_DAYS = 366
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"

# Who may be made responsible for a tagged person: the staff doing the work on the
# ground in an area containing the person's grid (not leaders, auditors or admins).
RESPONSIBLE_ROLES = (Role.GRID_WORKER, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF,
                     Role.COUNTY_DISPATCHER, Role.DEPARTMENT_HANDLER)

# Fields of the tag itself worth a before/after in the trail.
TAG_AUDITED = ["tag", "start_date", "responsible_id", "visit_every_days", "end_date",
               "ended_reason"]


# -- default schemas -------------------------------------------------------------------


def _text(title: str, max_length: int = 100, **kw) -> dict:
    return {"type": "string", "title": title, "maxLength": max_length, **kw}


def _long_text(title: str, max_length: int = 500, **kw) -> dict:
    return {"type": "string", "title": title, "maxLength": max_length,
            "x-widget": "textarea", **kw}


def _date(title: str, **kw) -> dict:
    return {"type": "string", "format": "date", "title": title, **kw}


def _choice(title: str, *options: tuple[str, str], **kw) -> dict:
    return {"type": "string", "title": title,
            "oneOf": [{"const": v, "title": t} for v, t in options], **kw}


def _choices(title: str, *options: tuple[str, str], **kw) -> dict:
    return {"type": "array", "title": title, "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "oneOf": [{"const": v, "title": t}
                                                  for v, t in options]}, **kw}


def _phone(title: str, **kw) -> dict:
    return {"type": "string", "title": title, "pattern": PHONE_PATTERN, "x-mask": "phone",
            "x-protected": True, "description": _("手机号或带区号的固定电话"), **kw}


def _object(title: str, visit_every_days: int, required: list[str], **properties) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "title": title, "x-visit-every-days": visit_every_days,
            "properties": properties, "required": required, "additionalProperties": False}


def default_tag_schemas() -> dict[str, dict]:
    """The built-in schemas, titles in the active language (built on each call)."""
    return {
        PersonTag.Tag.RELEASED: _object(
            _("刑满释放人员"), 30, ["original_charge", "sentence", "release_date"],
            original_charge=_text(_("原罪名")),
            sentence=_text(_("原判刑期"), 50, description=_("如:有期徒刑三年六个月")),
            release_date=_date(_("释放日期")),
            prison=_text(_("服刑场所")),
            resettlement=_choice(_("安置情况"), ("employed", _("已就业")),
                                 ("self_employed", _("自主创业")),
                                 ("flexible", _("灵活就业")), ("unemployed", _("未就业")),
                                 ("other", _("其他"))),
            aftercare=_long_text(_("安置帮教情况")),
            recidivist={"type": "boolean", "title": _("是否累犯")},
        ),
        PersonTag.Tag.CORRECTION: _object(
            _("社区矫正对象"), 7,
            ["correction_type", "correction_start", "correction_end", "original_charge"],
            correction_type=_choice(_("矫正类别"), ("control", _("管制")),
                                    ("probation", _("缓刑")), ("parole", _("假释")),
                                    ("outside_execution", _("暂予监外执行"))),
            correction_start=_date(_("矫正开始日期")),
            correction_end=_date(_("矫正结束日期"), **{"x-after": "correction_start"}),
            original_charge=_text(_("原罪名")),
            justice_office=_text(_("执行地司法所")),
        ),
        PersonTag.Tag.DRUG: _object(
            _("吸毒人员"), 15, ["drug_types", "seized_date", "control_measure"],
            drug_types=_choices(_("吸食毒品种类"), ("heroin", _("海洛因")),
                                ("meth", _("冰毒(甲基苯丙胺)")), ("ketamine", _("氯胺酮")),
                                ("cannabis", _("大麻")), ("mdma", _("摇头丸(MDMA)")),
                                ("synthetic_cannabinoid", _("合成大麻素")),
                                ("other", _("其他"))),
            seized_date=_date(_("查获日期")),
            control_measure=_choice(_("管控措施"), ("community_detox", _("社区戒毒")),
                                    ("community_rehab", _("社区康复")),
                                    ("compulsory_detox", _("强制隔离戒毒")),
                                    ("voluntary", _("自愿戒毒")),
                                    ("abstinent_3y", _("戒断三年未复吸")),
                                    ("other", _("其他"))),
            measure_end=_date(_("措施期满日期"), **{"x-after": "seized_date"}),
        ),
        PersonTag.Tag.MENTAL: _object(
            _("严重精神障碍患者"), 14,
            ["diagnosis", "risk_level", "guardian_name", "guardian_phone", "caused_trouble"],
            diagnosis=_choice(_("诊断"), ("schizophrenia", _("精神分裂症")),
                              ("schizoaffective", _("分裂情感性障碍")),
                              ("paranoid", _("偏执性精神病")),
                              ("bipolar", _("双相(情感)障碍")),
                              ("epilepsy", _("癫痫所致精神障碍")),
                              ("intellectual", _("精神发育迟滞伴发精神障碍")),
                              **{"x-protected": True}),
            risk_level={"type": "integer", "title": _("危险性评估等级"), "minimum": 0,
                        "maximum": 5, "description": _("0 级无危险行为,5 级持械伤人等")},
            guardian_name=_text(_("监护人姓名"), 50),
            guardian_phone=_phone(_("监护人电话")),
            caused_trouble={"type": "boolean", "title": _("是否有肇事肇祸史")},
            medication=_choice(_("服药情况"), ("regular", _("规律服药")),
                               ("intermittent", _("间断服药")), ("none", _("不服药")),
                               ("hospitalised", _("住院治疗"))),
        ),
        PersonTag.Tag.AIDS_RISK: _object(
            _("艾滋病危险性行为人员"), 90, ["category", "follow_up"],
            category=_choice(_("人员类别"), ("hiv", _("艾滋病病毒感染者")),
                             ("aids", _("艾滋病病人")), ("high_risk", _("高危行为人员")),
                             **{"x-protected": True}),
            route=_choice(_("感染途径"), ("sexual", _("性传播")), ("injection", _("注射吸毒")),
                          ("blood", _("血液传播")), ("mother_to_child", _("母婴传播")),
                          ("unknown", _("不详")), **{"x-protected": True}),
            follow_up=_choice(_("随访情况"), ("regular", _("定期随访")), ("lost", _("失访")),
                              ("refused", _("拒绝随访"))),
            on_treatment={"type": "boolean", "title": _("是否接受抗病毒治疗")},
        ),
        PersonTag.Tag.PETITION: _object(
            _("重点上访人员"), 7, ["reason", "petition_count", "last_date", "measures"],
            reason=_long_text(_("上访事由")),
            petition_count={"type": "integer", "title": _("上访次数"), "minimum": 1},
            last_date=_date(_("最近上访日期")),
            level=_choice(_("上访层级"), ("township", _("乡镇(街道)")), ("county", _("县(区)")),
                          ("city", _("市")), ("province", _("省")), ("national", _("进京"))),
            measures=_long_text(_("稳控措施")),
        ),
        PersonTag.Tag.KEY_YOUTH: _object(
            _("重点青少年"), 30, ["youth_type", "guardian_name", "help_measures"],
            youth_type=_choice(_("类型"), ("idle", _("闲散青少年")),
                               ("misbehaving", _("有不良行为青少年")),
                               ("vagrant", _("流浪乞讨青少年")),
                               ("prisoners_child", _("服刑人员未成年子女")),
                               ("left_behind", _("农村留守儿童"))),
            guardian_name=_text(_("监护人"), 50),
            guardian_relation=_choice(_("与监护人关系"), ("parent", _("父母")),
                                      ("grandparent", _("祖父母或外祖父母")),
                                      ("relative", _("其他亲属")), ("other", _("其他"))),
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
    overrides = dict(ExtraFieldSchema.objects.filter(dataset__startswith=SCHEMA_PREFIX)
                     .values_list("dataset", "schema"))
    defaults = default_tag_schemas()
    return {t: overrides.get(SCHEMA_PREFIX + t) or defaults[t] for t in PersonTag.Tag.values}


def tag_schema(tag: str) -> dict:
    _check_tag(tag)
    override = ExtraFieldSchema.objects.filter(dataset=SCHEMA_PREFIX + tag).values_list(
        "schema", flat=True).first()
    return override or default_tag_schemas()[tag]


def tag_schema_overridden() -> set[str]:
    return {d.removeprefix(SCHEMA_PREFIX) for d in ExtraFieldSchema.objects.filter(
        dataset__startswith=SCHEMA_PREFIX).values_list("dataset", flat=True)}


def default_visit_every_days(tag: str, schema: dict | None = None) -> int:
    schema = schema if schema is not None else tag_schema(tag)
    value = schema.get("x-visit-every-days")
    return value if isinstance(value, int) and 1 <= value <= MAX_VISIT_EVERY_DAYS else 30


def _options(prop: dict) -> list[tuple[Any, str]] | None:
    if "enum" in prop:
        return [(v, str(v)) for v in prop["enum"]]
    alternatives = prop.get("oneOf") or prop.get("anyOf")
    if alternatives and all("const" in a for a in alternatives):
        return [(a["const"], a.get("title") or str(a["const"])) for a in alternatives]
    return None


def schema_fields(schema: dict) -> list[dict]:
    """The properties of a schema as form/display descriptors, in form order."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    order = [k for k in schema.get("x-order") or [] if k in props]
    order += [k for k in props if k not in order]
    fields = []
    for key in order:
        prop = props[key] if isinstance(props[key], dict) else {}
        kind, choices = prop.get("type"), _options(prop)
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        if kind == "array":
            choices, widget = _options(items) or [], "multi"
        elif choices is not None:
            widget = "select"
        elif kind == "boolean":
            widget = "boolean"
        elif kind in ("integer", "number"):
            widget = kind
        elif prop.get("format") == "date":
            widget = "date"
        elif prop.get("x-widget") == "textarea" or (prop.get("maxLength") or 0) > 200:
            widget = "textarea"
        else:
            widget = "text"
        fields.append({
            "key": key, "title": prop.get("title") or key, "widget": widget,
            "required": key in required, "choices": choices or [],
            "description": prop.get("description", ""),
            "minimum": prop.get("minimum"), "maximum": prop.get("maximum"),
            "max_length": prop.get("maxLength"), "mask": prop.get("x-mask", ""),
            "protected": bool(prop.get("x-protected")), "after": prop.get("x-after", ""),
        })
    return fields


# -- validation -------------------------------------------------------------------------


class TagExtraInvalid(ValidationError):
    """The extra fields do not fit the tag's schema; `field_errors` maps each field key
    to its Chinese message (forms show them inline, the API returns them)."""

    def __init__(self, field_errors: dict[str, str], message: str):
        super().__init__(message, code="extra_invalid")
        self.field_errors = field_errors


def _clean_extra(extra: dict | None) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise TagExtraInvalid({}, _("专项信息须为键值对象。"))
    out = {}
    for key, value in extra.items():
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None, []):
            continue  # not filled in: let "required" speak
        out[key] = value
    return out


def _message(error: jsonschema.ValidationError, title: str) -> str:
    v, arg = error.validator, error.validator_value
    if v in ("enum", "oneOf", "anyOf", "const"):
        return _("请从列表中选择%(t)s。") % {"t": title}
    if v == "type":
        kinds = {"integer": _("整数"), "number": _("数字"), "boolean": _("是或否"),
                 "string": _("文字"), "array": _("列表"), "object": _("对象")}
        return _("%(t)s须为%(k)s。") % {"t": title, "k": kinds.get(str(arg), str(arg))}
    if v == "format" and arg == "date":
        return _("%(t)s须为有效日期(如 2024-05-01)。") % {"t": title}
    if v in ("minimum", "exclusiveMinimum"):
        return _("%(t)s不能小于 %(n)s。") % {"t": title, "n": arg}
    if v in ("maximum", "exclusiveMaximum"):
        return _("%(t)s不能大于 %(n)s。") % {"t": title, "n": arg}
    if v == "maxLength":
        return _("%(t)s不能超过 %(n)s 个字。") % {"t": title, "n": arg}
    if v in ("minLength", "minItems"):
        return _("请填写%(t)s。") % {"t": title}
    if v == "pattern":
        return _("%(t)s格式不正确。") % {"t": title}
    if v == "uniqueItems":
        return _("%(t)s有重复项。") % {"t": title}
    return _("%(t)s不符合要求。") % {"t": title}


def tag_extra_errors(schema: dict, extra: dict) -> dict[str, str]:
    """Field key → Chinese message, the first problem of each field; "" for the object."""
    fields = {f["key"]: f for f in schema_fields(schema)}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors: dict[str, str] = {}
    for error in validator.iter_errors(extra):
        if not error.path and error.validator == "required":
            for key in error.validator_value:
                if key not in extra:
                    title = fields[key]["title"] if key in fields else key
                    errors.setdefault(key, _("请填写%(t)s。") % {"t": title})
        elif not error.path and error.validator == "additionalProperties":
            for key in sorted(set(extra) - set(fields)):
                errors.setdefault(key, _("“%(f)s”不是该类别的字段。") % {"f": key})
        elif error.path:
            key = str(error.path[0])
            errors.setdefault(key, _message(error, fields[key]["title"] if key in fields
                                            else key))
        else:
            errors.setdefault("", _message(error, _("专项信息")))
    for f in fields.values():  # x-after: a date not before another (ISO dates sort)
        other = fields.get(f["after"])
        a, b = extra.get(f["key"]), extra.get(f["after"])
        if other and isinstance(a, str) and isinstance(b, str) and f["key"] not in errors \
                and f["after"] not in errors and a < b:
            errors[f["key"]] = _("%(t)s不能早于%(o)s。") % {"t": f["title"],
                                                       "o": other["title"]}
    return errors


def validate_tag_extra(tag: str, extra: dict | None, schema: dict | None = None) -> dict:
    """The cleaned extra (empty values dropped), or TagExtraInvalid."""
    schema = schema if schema is not None else tag_schema(tag)
    extra = _clean_extra(extra)
    errors = tag_extra_errors(schema, extra)
    if errors:
        order = [f["key"] for f in schema_fields(schema)]
        first = min(errors, key=lambda k: order.index(k) if k in order else len(order))
        raise TagExtraInvalid(errors, _("专项信息有误:%(m)s") % {"m": errors[first]})
    return extra


# -- reads ------------------------------------------------------------------------------


def tag_responsible_candidates(person: Person):
    """Active users holding a work role in the person's grid or an area above it."""
    return (get_user_model().objects.filter(
        is_active=True, role_assignments__role__in=RESPONSIBLE_ROLES,
        role_assignments__area__path__in=ancestor_paths(person.area_path))
        .distinct().order_by("full_name", "username"))


def person_tag_list(*, user, person_pk, include_ended: bool = False):
    """Tags of a person the user may see (Person.DoesNotExist outside the jurisdiction)."""
    person = Person.objects.restrict(user).get(pk=person_pk)
    qs = person.tags.select_related("responsible")
    if not include_ended:
        qs = qs.filter(end_date__isnull=True)
    return qs.order_by(F("end_date").desc(nulls_first=True), "tag", "-id")


def person_tag_get(*, user, person_pk, tag: str) -> PersonTag:
    """The active tag of a kind (PersonTag.DoesNotExist if none or out of reach)."""
    if tag not in PersonTag.Tag.values:
        raise PersonTag.DoesNotExist
    return (PersonTag.objects.select_related("person", "person__grid", "responsible")
            .filter(person__in=Person.objects.restrict(user), person_id=person_pk, tag=tag,
                    end_date__isnull=True).get())


def present_extra(user, schema: dict, extra: dict) -> dict:
    """Extra as this user may see it: fields marked x-mask go through the field policy."""
    masked = {f["key"]: f["mask"] for f in schema_fields(schema)
              if f["mask"] in policy.FIELD_POLICY}
    out = {}
    for key, value in (extra or {}).items():
        if key in masked and isinstance(value, str):
            value = policy.present(user, masked[key], value) if user is not None else None
            if value is None:
                continue  # hidden for this user
        out[key] = value
    return out


def extra_display(user, schema: dict, extra: dict) -> list[tuple[str, str]]:
    """(title, shown value) of the filled-in fields, for pages."""
    shown = present_extra(user, schema, extra)
    rows = []
    for f in schema_fields(schema):
        if f["key"] not in shown:
            continue
        value, labels = shown[f["key"]], dict(f["choices"])
        if isinstance(value, bool):
            text = _("是") if value else _("否")
        elif isinstance(value, list):
            text = "、".join(str(labels.get(v, v)) for v in value)
        else:
            text = str(labels.get(value, value))
        rows.append((f["title"], text))
    known = {f["key"] for f in schema_fields(schema)}
    rows += [(k, str(v)) for k, v in shown.items() if k not in known]  # from an old schema
    return rows


# -- writes -----------------------------------------------------------------------------


def _require_change(actor, person: Person) -> None:
    if actor is not None and not path_in_jurisdiction(actor, person.area_path, Action.CHANGE):
        raise ValidationError(_("该人员不在您的管辖范围内。"), code="forbidden")


def _audit_state(tag_obj: PersonTag, schema: dict) -> tuple[dict, set[str]]:
    protected = {f["key"] for f in schema_fields(schema) if f["protected"]}
    state = snapshot(tag_obj, TAG_AUDITED)
    for key, value in (tag_obj.extra or {}).items():
        state[f"extra.{key}"] = value
    return state, {f"extra.{k}" for k in protected}


def _audit_changes(before: dict, after: dict, protected: set[str]) -> dict:
    """{field: [before, after]}; a protected value changed is logged as "***" only."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = ([None if old is None else "***", None if new is None else "***"]
                            if key in protected else [old, new])
    return changes


@transaction.atomic
def person_tag_set(*, actor, person: Person, tag: str, start_date=UNSET, responsible=UNSET,
                   visit_every_days=UNSET, extra=UNSET) -> tuple[PersonTag, bool]:
    """Create the person's active tag of this kind, or update it; (tag, created).

    Arguments left UNSET keep their value on update and take the default on create;
    `extra` replaces the whole extra object and is validated against the tag's schema
    (always on create, on update only when given)."""
    _check_tag(tag)
    _require_change(actor, person)
    # Lock the person: tag writes of one person are serialised, so the "one active tag
    # of a kind" check below cannot race.
    person = Person.objects.select_for_update().get(pk=person.pk)
    schema = tag_schema(tag)
    tag_obj = PersonTag.objects.filter(person=person, tag=tag, end_date__isnull=True).first()
    created = tag_obj is None
    if created:
        tag_obj = PersonTag(person=person, tag=tag,
                            visit_every_days=default_visit_every_days(tag, schema))
        before, protected = {}, set()
    else:
        before, protected = _audit_state(tag_obj, schema)
    if start_date is not UNSET:
        if isinstance(start_date, datetime.datetime) or (
                start_date is not None and not isinstance(start_date, datetime.date)):
            raise ValidationError(_("起始日期无效。"), code="invalid")
        if start_date and start_date > timezone.localdate():
            raise ValidationError(_("起始日期不能晚于今天。"), code="invalid")
        tag_obj.start_date = start_date
    if visit_every_days is not UNSET:
        if isinstance(visit_every_days, bool) or not isinstance(visit_every_days, int) or \
                not 1 <= visit_every_days <= MAX_VISIT_EVERY_DAYS:
            raise ValidationError(_("走访周期须为 1 至 %(n)s 天。") % {
                "n": MAX_VISIT_EVERY_DAYS}, code="invalid")
        tag_obj.visit_every_days = visit_every_days
    if responsible is not UNSET:
        if responsible is not None and not tag_responsible_candidates(person).filter(
                pk=responsible.pk).exists():
            raise ValidationError(_("责任人须在该人员所在网格或其上级区域任职。"),
                                  code="invalid_responsible")
        tag_obj.responsible = responsible
    if created or extra is not UNSET:
        tag_obj.extra = validate_tag_extra(tag, None if extra is UNSET else extra, schema)
    tag_obj.save()
    after, protected_after = _audit_state(tag_obj, schema)
    audit_record(actor=actor, action="person_tag.create" if created else "person_tag.update",
                 obj=tag_obj, area_path=person.area_path,
                 changes=_audit_changes(before, after, protected | protected_after))
    record_change(dataset="people", obj=person, op="update", area_path=person.area_path)
    return tag_obj, created


@transaction.atomic
def person_tag_end(*, actor, tag_obj: PersonTag, end_date: datetime.date | None = None,
                   reason: str) -> PersonTag:
    """End an active tag (解除矫正, 帮教期满, 登记有误 …); the record stays as history."""
    person = tag_obj.person
    _require_change(actor, person)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    tag_obj = PersonTag.objects.get(pk=tag_obj.pk)
    if tag_obj.end_date is not None:
        raise ValidationError(_("该标签已结束。"), code="invalid_state")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写结束原因。"), code="required")
    if len(reason) > 200:
        raise ValidationError(_("结束原因不能超过 200 个字。"), code="invalid")
    end_date = end_date or timezone.localdate()
    if end_date > timezone.localdate():
        raise ValidationError(_("结束日期不能晚于今天。"), code="invalid")
    if tag_obj.start_date and end_date < tag_obj.start_date:
        raise ValidationError(_("结束日期不能早于起始日期。"), code="invalid")
    tag_obj.end_date, tag_obj.ended_reason = end_date, reason
    tag_obj.save(update_fields=["end_date", "ended_reason"])
    audit_record(actor=actor, action="person_tag.end", obj=tag_obj, area_path=person.area_path,
                 changes={"end_date": [None, end_date.isoformat()],
                          "ended_reason": [None, reason]})
    record_change(dataset="people", obj=person, op="update", area_path=person.area_path)
    return tag_obj


def _require_configure(actor) -> None:
    if not any(p.count("/") == 1 for p in jurisdiction_paths(actor, Action.CONFIGURE)):
        raise ValidationError(_("只有省级管理员可以配置扩展字段。"), code="forbidden")


def tag_schema_override(*, actor, tag: str, schema: dict):
    """An administrator's schema for a tag (stored as ExtraFieldSchema "tag:<tag>")."""
    from .duties import extra_schema_set

    _check_tag(tag)
    _require_configure(actor)
    if not isinstance(schema, dict) or schema.get("type") != "object" or not isinstance(
            schema.get("properties"), dict) or not schema["properties"]:
        raise ValidationError(_("专项信息的 Schema 须为含 properties 的 object。"),
                              code="invalid")
    if any(not isinstance(p, dict) for p in schema["properties"].values()):
        raise ValidationError(_("每个字段须为对象。"), code="invalid")
    return extra_schema_set(actor=actor, dataset=SCHEMA_PREFIX + tag, schema=schema)


@transaction.atomic
def tag_schema_reset(*, actor, tag: str) -> bool:
    """Drop the override: the default schema applies again. True if there was one."""
    _check_tag(tag)
    _require_configure(actor)
    obj = ExtraFieldSchema.objects.filter(dataset=SCHEMA_PREFIX + tag).first()
    if obj is None:
        return False
    audit_record(actor=actor, action="extra_schema.reset", obj=obj,
                 changes={"dataset": [obj.dataset, None]})
    obj.delete()
    return True
