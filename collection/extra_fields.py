"""Extra fields (扩展字段) of the data classes and the special-group tags: the schemas an
administrator sets (ExtraFieldSchema, JSON Schema; a dataset such as "people", or
"tag:<tag>" for a tag), their validation with per-field Chinese messages, the field list
forms and pages are rendered from, and what of the extra a user may see.

The ``x-`` annotations a schema may carry are described in collection/tag_schemas.py."""

from __future__ import annotations

from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record
from governance.compiled import CompiledQuery
from governance.roles import Action

from . import policy
from .models import Dataset, ExtraFieldSchema

# -- schemas ----------------------------------------------------------------------------


# Compiled once per process (governance/compiled.py): the person form asks on every
# request.
_SCHEMA = CompiledQuery(
    lambda dataset: (
        ExtraFieldSchema.objects.filter(dataset=dataset).order_by("pk").values("schema")[:1]
    ),
    dataset="sample-dataset-of-the-compiled-query",
)


def extra_schema(dataset: str) -> dict:
    """The administrator's extra-field schema of a data class ({} if none)."""
    rows = _SCHEMA.rows(dataset=dataset)
    return (rows[0]["schema"] if rows else None) or {}


def validate_extra(dataset: str, extra: dict | None) -> None:
    """Against the class's schema, with the same per-field Chinese messages as the
    special-group tags."""
    if not isinstance(extra, dict):
        raise ValidationError(_("扩展信息须为键值对象。"), code="extra_invalid")
    schema = extra_schema(dataset)
    if not schema:
        return
    errors = extra_errors(schema, extra or {})
    if errors:
        raise ValidationError(" ".join(errors.values()), code="extra_invalid")


def _require_province_admin(actor) -> None:
    require(actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以配置扩展字段。"))


def extra_schemas() -> list[dict]:
    """Each data class with its schema ({} if none), in the order of Dataset."""
    stored = dict(
        ExtraFieldSchema.objects.filter(dataset__in=Dataset.values).values_list("dataset", "schema")
    )
    return [
        {"dataset": d, "label": str(label), "schema": stored.get(d) or {}}
        for d, label in Dataset.choices
    ]


@transaction.atomic
def extra_schema_set(*, actor, dataset: str, schema: dict) -> ExtraFieldSchema:
    _require_province_admin(actor)
    if dataset not in Dataset.values and not dataset.startswith("tag:"):
        raise ValidationError(_("未知的数据类。"), code="invalid")
    # Extra information is always a JSON object: a schema of another type would reject
    # every record of the class.
    if (
        not isinstance(schema, dict)
        or schema.get("type") != "object"
        or not isinstance(schema.get("properties"), dict)
    ):
        raise ValidationError(_("扩展字段的 Schema 须为含 properties 的 object。"), code="invalid")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValidationError(
            _("JSON Schema 无效:%(m)s") % {"m": exc.message}, code="invalid"
        ) from None
    before = extra_schema(dataset) or None
    obj, _created = ExtraFieldSchema.objects.update_or_create(
        dataset=dataset, defaults={"schema": schema}
    )
    audit_record(
        actor=actor,
        action="extra_schema.set",
        obj=obj,
        changes={"dataset": [None, dataset], "schema": [before, schema]},
    )
    return obj


@transaction.atomic
def extra_schema_delete(*, actor, dataset: str) -> bool:
    """Drop a data class's schema: its extra information is no longer checked. True if
    there was one."""
    _require_province_admin(actor)
    obj = ExtraFieldSchema.objects.select_for_update().filter(dataset=dataset).first()
    if obj is None:
        return False
    audit_record(
        actor=actor,
        action="extra_schema.delete",
        obj=obj,
        changes={"dataset": [dataset, None], "schema": [obj.schema, None]},
    )
    obj.delete()
    return True


# -- the fields of a schema -------------------------------------------------------------


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
        fields.append(
            {
                "key": key,
                "title": prop.get("title") or key,
                "widget": widget,
                "required": key in required,
                "choices": choices or [],
                "description": prop.get("description", ""),
                "minimum": prop.get("minimum"),
                "maximum": prop.get("maximum"),
                "max_length": prop.get("maxLength"),
                "mask": prop.get("x-mask", ""),
                "protected": bool(prop.get("x-protected")),
                "after": prop.get("x-after", ""),
            }
        )
    return fields


# -- validation -------------------------------------------------------------------------


def _message(error: jsonschema.ValidationError, title: str) -> str:
    v, arg = error.validator, error.validator_value
    if v in ("enum", "oneOf", "anyOf", "const"):
        return _("请从列表中选择%(t)s。") % {"t": title}
    if v == "type":
        kinds = {
            "integer": _("整数"),
            "number": _("数字"),
            "boolean": _("是或否"),
            "string": _("文字"),
            "array": _("列表"),
            "object": _("对象"),
        }
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


def extra_errors(schema: dict, extra: dict) -> dict[str, str]:
    """Field key → Chinese message, the first problem of each field; "" for the object."""
    fields = {f["key"]: f for f in schema_fields(schema)}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
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
            errors.setdefault(key, _message(error, fields[key]["title"] if key in fields else key))
        else:
            errors.setdefault("", _message(error, _("专项信息")))
    for f in fields.values():  # x-after: a date not before another (ISO dates sort)
        other = fields.get(f["after"])
        a, b = extra.get(f["key"]), extra.get(f["after"])
        if (
            other
            and isinstance(a, str)
            and isinstance(b, str)
            and f["key"] not in errors
            and f["after"] not in errors
            and a < b
        ):
            errors[f["key"]] = _("%(t)s不能早于%(o)s。") % {"t": f["title"], "o": other["title"]}
    return errors


# -- what a user sees -------------------------------------------------------------------


def present_extra(user, schema: dict, extra: dict, *, area_path: str) -> dict:
    """Extra as this user may see it for a record of this area: fields marked x-mask go
    through the field policy."""
    masked = {
        f["key"]: f["mask"] for f in schema_fields(schema) if f["mask"] in policy.FIELD_POLICY
    }
    out = {}
    for key, value in (extra or {}).items():
        if key in masked and isinstance(value, str):
            value = (
                policy.present(user, masked[key], value, area_path=area_path)
                if user is not None
                else None
            )
            if value is None:
                continue  # hidden for this user
        out[key] = value
    return out


def extra_display(user, schema: dict, extra: dict, *, area_path: str) -> list[tuple[str, str]]:
    """(title, shown value) of the filled-in fields, for pages."""
    shown = present_extra(user, schema, extra, area_path=area_path)
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
