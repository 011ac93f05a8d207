"""What the audit trail says in words: a label for every action, object type, field and
value, so an auditor reads "新增人员 · 性别: 女" instead of ``person.create``,
``gender: female``.

The kernel knows no app: the apps register their actions (and any field or value the
model cannot describe itself) in their ``AppConfig.ready()``, like the action and menu
registries. What a model can say is read from the model through Django's app registry
(the object type's ``verbose_name``, a field's ``verbose_name`` and ``choices``), so
most fields need no registration at all. A row is always scrubbed (masked) *before* it
is labelled: labels never bring back what the mask hid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_ACTIONS: dict[str, Any] = {}
_FIELDS: dict[tuple[str, str], Any] = {}  # (object type or "", field) → label
_VALUES: dict[tuple[str, str], dict[str, Any]] = {}  # (object type or "", field) → labels
# (object type or "", field) → label of the model whose rows the field names by id
_REFERENCES: dict[tuple[str, str], str] = {}

# The verbs of `<noun>.<verb>` codes, for an action nobody registered: the label is
# still words ("人员 · 导入"), never the code.
_VERBS = {
    "create": gettext_lazy("新增"),
    "update": gettext_lazy("修改"),
    "delete": gettext_lazy("删除"),
    "save": gettext_lazy("保存"),
    "set": gettext_lazy("设置"),
    "import": gettext_lazy("导入"),
    "export": gettext_lazy("导出"),
    "cancel": gettext_lazy("取消"),
    "expire": gettext_lazy("过期"),
    "reveal": gettext_lazy("查看完整信息"),
    "view": gettext_lazy("查看"),
    "assign": gettext_lazy("分配"),
    "revoke": gettext_lazy("撤销"),
    "issue": gettext_lazy("签发"),
    "reset": gettext_lazy("重置"),
    "lock": gettext_lazy("停用"),
    "unlock": gettext_lazy("启用"),
}


def audit_action_register(code: str, label) -> None:
    """Name an action code (``person.create`` → 新增人员)."""
    _ACTIONS[code] = label


def audit_actions_register(labels: dict[str, Any]) -> None:
    for code, label in labels.items():
        audit_action_register(code, label)


def audit_field_register(field: str, label, *, object_type: str = "") -> None:
    """Name a key of ``changes`` the model does not describe (or describes differently
    for this object type)."""
    _FIELDS[(object_type, field)] = label


def audit_values_register(field: str, labels, *, object_type: str = "") -> None:
    """Name the values of a field: a dict, or a Django ``choices`` list/TextChoices."""
    if hasattr(labels, "choices"):
        labels = labels.choices
    if not isinstance(labels, dict):
        labels = dict(labels)
    _VALUES[(object_type, field)] = {str(k): v for k, v in labels.items()}


def audit_reference_register(field: str, model_label: str, *, object_type: str = "") -> None:
    """``changes[field]`` holds ids of `model_label` rows that may be named in the trail
    (areas, departments, categories: never people)."""
    _REFERENCES[(object_type, field)] = model_label


_NAMEABLE: set[str] = set()  # models whose rows a foreign key in the trail is named by


def audit_nameable_register(model_label: str) -> None:
    """Any foreign key to `model_label` (``app_label.ModelName``) found in ``changes`` is
    shown by the row's name instead of its id (areas, departments, categories)."""
    _NAMEABLE.add(model_label)


def _reference(object_type: str, name: str) -> str | None:
    label = _REFERENCES.get((object_type, name)) or _REFERENCES.get(("", name))
    if label:
        return label
    field = _model_field(object_type, name)
    related = getattr(field, "related_model", None) if field is not None else None
    if related is not None and field.many_to_one:
        label = related._meta.label
        return label if label in _NAMEABLE else None
    return None


def registered_action_labels() -> dict[str, Any]:
    return dict(_ACTIONS)


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def object_type_choices() -> list[tuple[str, str]]:
    """(label_lower, verbose name) of the project's models: the object types of the trail."""
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()

    def ours(config) -> bool:  # the project's apps, not Django's or a library's
        path = Path(config.path).resolve()
        return path.is_relative_to(base) and ".venv" not in path.parts

    out = [
        (m._meta.label_lower, str(m._meta.verbose_name))
        for m in apps.get_models()
        if ours(m._meta.app_config)
    ]
    return sorted(out, key=lambda c: c[1])


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def action_label(code: str, object_type: str = "") -> str:
    if code in _ACTIONS:
        return str(_ACTIONS[code])
    noun, _dot, verb = code.rpartition(".")
    if verb in _VERBS:
        subject = object_type_label(object_type) if object_type else noun
        return f"{_VERBS[verb]}{subject}"
    return code


def _model_field(object_type: str, name: str):
    model = _model(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
        # A reverse relation (`milestones`, `files`) is no field of the row: a change of that
        # name is a count the app names itself (audit_field_register).
        return None if field.auto_created and not field.concrete else field
    except FieldDoesNotExist:
        for f in model._meta.concrete_fields:  # `area_id`: the attname of a foreign key
            if f.attname == name:
                return f
    return None


def field_label(object_type: str, name: str) -> str:
    for key in ((object_type, name), ("", name)):
        if key in _FIELDS:
            return str(_FIELDS[key])
    field = _model_field(object_type, name)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    return name


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def value_label(object_type: str, name: str, value: Any, names: dict | None = None) -> str:
    """One value as words: a choice's label, 是/否, a referenced row's name, "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, (list, tuple)):
        return "、".join(value_label(object_type, name, v, names) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    for key in ((object_type, name), ("", name)):
        if key in _VALUES and str(value) in _VALUES[key]:
            return str(_VALUES[key][str(value)])
    field = _model_field(object_type, name)
    if field is not None and field.choices:
        for choice, label in field.flatchoices:
            if str(choice) == str(value):
                return str(label)
    label = _reference(object_type, name) if names else None
    if label:
        named = names.get((label, str(value)))
        if named:
            return named
    return str(value)


def _is_pair(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2


def _reference_ids(rows) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for name, value in (row.changes or {}).items():
            label = _reference(row.object_type, name)
            if label is None:
                continue
            values = value if _is_pair(value) else [value]
            for v in values:
                if v not in (None, "") and not isinstance(v, (dict, list)):
                    wanted.setdefault(label, set()).add(str(v))
    return wanted


def _reference_names(rows) -> dict[tuple[str, str], str]:
    """One query per referenced model for a page of rows."""
    names: dict[tuple[str, str], str] = {}
    for label, ids in _reference_ids(rows).items():
        model = apps.get_model(label)
        pk_field = model._meta.pk
        keys = []
        for i in ids:
            try:
                keys.append(pk_field.to_python(i))
            except Exception:  # noqa: BLE001 — a code kept in the trail, not an id
                continue
        for obj in model._default_manager.filter(pk__in=keys):
            names[(label, str(obj.pk))] = str(obj)
    return names


def actor_labels(rows) -> dict[int, str]:
    """ "姓名(账号)" of the actors of `rows`, in one query."""
    ids = {r.actor_id for r in rows if r.actor_id}
    User = get_user_model()
    return {
        pk: f"{full or name}({name})" if full and full != name else name
        for pk, name, full in User.objects.filter(pk__in=ids).values_list(
            "pk", "username", "full_name"
        )
    }


def label_rows(rows: Iterable) -> list:
    """Give each (already scrubbed) audit row its words: ``action_label``,
    ``object_type_label``, ``actor_label`` and ``change_lines`` — (field, before, after)
    for a change, (field, None, value) for a plain value."""
    rows = list(rows)
    names = _reference_names(rows)
    actors = actor_labels(rows)
    for row in rows:
        row.action_label = action_label(row.action, row.object_type)
        row.object_type_label = object_type_label(row.object_type)
        row.actor_label = actors.get(row.actor_id) or (
            _("系统") if row.actor_name == "system" else row.actor_name
        )
        lines = []
        for name, value in (row.changes or {}).items():
            label = field_label(row.object_type, name)
            if _is_pair(value):
                before = value_label(row.object_type, name, value[0], names)
                after = value_label(row.object_type, name, value[1], names)
                lines.append((label, before, after))
            else:
                lines.append((label, None, value_label(row.object_type, name, value, names)))
        row.change_lines = lines
        row.changes_text = "；".join(
            f"{label}: {after}" if before is None else f"{label}: {before} → {after}"
            for label, before, after in lines
        )
    return rows


# The kernel's own actions.
audit_actions_register(
    {
        "user.create": gettext_lazy("新增用户"),
        "user.update": gettext_lazy("修改用户"),
        "user.lock": gettext_lazy("停用账户"),
        "user.unlock": gettext_lazy("启用账户"),
        "user.locked": gettext_lazy("登录失败过多,账户锁定"),
        "user.password_reset": gettext_lazy("重置密码"),
        "user.2fa_enrol": gettext_lazy("绑定动态口令"),
        "user.2fa_reset": gettext_lazy("重置动态口令"),
        "user.2fa_recovery_used": gettext_lazy("使用恢复码登录"),
        "department.create": gettext_lazy("新增职能部门"),
        "department.update": gettext_lazy("修改职能部门"),
        "role.assign": gettext_lazy("分配角色"),
        "role.revoke": gettext_lazy("撤销角色"),
        "object.share": gettext_lazy("共享对象"),
        "crypto.reencrypt": gettext_lazy("个人信息重新加密"),
        "audit.export": gettext_lazy("导出审计日志"),
    }
)
audit_field_register("department_id", gettext_lazy("所属部门"))
audit_field_register("area", gettext_lazy("区域"))
audit_field_register("role", gettext_lazy("角色"))
audit_field_register("devices", gettext_lazy("动态口令设备数"))
audit_field_register("recovery_codes_left", gettext_lazy("剩余恢复码"))
audit_field_register("password", gettext_lazy("密码"))
audit_field_register("is_active", gettext_lazy("账户启用"))
audit_field_register("shared_with", gettext_lazy("共享给"))
audit_field_register("permission", gettext_lazy("权限"))
audit_field_register("filters", gettext_lazy("筛选条件"))
audit_field_register("rows", gettext_lazy("行数"))
audit_nameable_register("governance.Department")
audit_nameable_register("governance.User")
audit_reference_register("department_id", "governance.Department")


def _register_kernel_values() -> None:
    from .roles import Action, Role

    audit_values_register("role", Role)
    audit_values_register("permission", Action)


_register_kernel_values()
