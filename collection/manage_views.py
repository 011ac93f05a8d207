"""Configuration pages of base data (管理后台): the extra-field schemas of the data
classes and the special-group tags (province-wide, through collection.extra_fields and
collection.tags), and the field policy (read-only: it is declared in code, policy.py)."""

import json

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.access import WHOLE_PROVINCE, allowed
from governance.pages import manage_required, service_call
from governance.roles import Action, Role

from . import policy
from .extra_fields import extra_schema, extra_schema_delete, extra_schema_set, extra_schemas
from .models import Dataset, PersonTag
from .tag_schemas import SCHEMA_PREFIX, default_tag_schemas, tag_schema, tag_schema_overridden
from .tags import tag_schema_override, tag_schema_reset


def _key_label(key: str) -> str:
    if key.startswith(SCHEMA_PREFIX):
        tag = key.removeprefix(SCHEMA_PREFIX)
        if tag in PersonTag.Tag.values:
            return _("特殊人群:%(t)s") % {"t": PersonTag.Tag(tag).label}
    elif key in Dataset.values:
        return _("数据类:%(d)s") % {"d": Dataset(key).label}
    raise Http404


class SchemaForm(forms.Form):
    schema = forms.CharField(
        label=gettext_lazy("JSON Schema"),
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "type 为 object,字段写在 properties 中;title 为字段名称,"
            "x-mask 标记须按脱敏策略显示的字段。"
        ),
    )

    def clean_schema(self):
        try:
            value = json.loads(self.cleaned_data["schema"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON:第 %(l)s 行第 %(c)s 列附近有误。")
                % {"l": exc.lineno, "c": exc.colno}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Schema 须为 JSON 对象。"))
        return value


def _can_edit(user) -> bool:
    return allowed(user, WHOLE_PROVINCE, Action.CONFIGURE)


@manage_required(Action.CONFIGURE)
def schemas(request):
    overridden = tag_schema_overridden()
    rows = [
        {
            "key": s["dataset"],
            "label": _key_label(s["dataset"]),
            "fields": len((s["schema"] or {}).get("properties", {})),
            "state": _("已设置") if s["schema"] else _("未设置"),
        }
        for s in extra_schemas()
    ]
    defaults = default_tag_schemas()
    for tag in PersonTag.Tag.values:
        schema = tag_schema(tag) if tag in overridden else defaults[tag]
        rows.append(
            {
                "key": SCHEMA_PREFIX + tag,
                "label": _key_label(SCHEMA_PREFIX + tag),
                "fields": len(schema.get("properties", {})),
                "state": _("已自定义") if tag in overridden else _("默认"),
            }
        )
    return render(
        request,
        "collection/manage/schemas.html",
        {"rows": rows, "can_edit": _can_edit(request.user)},
    )


def _current(key: str) -> dict:
    if key.startswith(SCHEMA_PREFIX):
        return tag_schema(key.removeprefix(SCHEMA_PREFIX))
    return extra_schema(key)


@manage_required(Action.CONFIGURE)
def schema_edit(request, key):
    label = _key_label(key)
    current = _current(key)
    form = SchemaForm(
        request.POST or None,
        initial={"schema": json.dumps(current or _EMPTY, ensure_ascii=False, indent=2)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            schema = form.cleaned_data["schema"]
            if key.startswith(SCHEMA_PREFIX):

                def call():
                    return tag_schema_override(
                        actor=request.user, tag=key.removeprefix(SCHEMA_PREFIX), schema=schema
                    )
            else:

                def call():
                    return extra_schema_set(actor=request.user, dataset=key, schema=schema)

            saved, status = service_call(form, call)
            if saved is not None:
                messages.success(request, _("已保存%(l)s的字段定义。") % {"l": label})
                return redirect("manage-collection:schemas")
    return render(
        request,
        "collection/manage/schema_form.html",
        {
            "form": form,
            "label": label,
            "key": key,
            "is_tag": key.startswith(SCHEMA_PREFIX),
            "can_edit": _can_edit(request.user),
        },
        status=status,
    )


_EMPTY = {"type": "object", "properties": {}}


@manage_required(Action.CONFIGURE)
def schema_delete(request, key):
    label = _key_label(key)
    is_tag = key.startswith(SCHEMA_PREFIX)
    if request.method == "POST":
        if is_tag:
            tag_schema_reset(actor=request.user, tag=key.removeprefix(SCHEMA_PREFIX))
            messages.success(request, _("%(l)s已恢复默认字段。") % {"l": label})
        else:
            extra_schema_delete(actor=request.user, dataset=key)
            messages.success(request, _("已删除%(l)s的扩展字段定义。") % {"l": label})
        return redirect("manage-collection:schemas")
    return render(
        request,
        "governance/manage/confirm.html",
        {
            "title": _("恢复默认") if is_tag else _("删除扩展字段"),
            "question": (
                _("确定将%(l)s恢复为默认字段?已填写的专项信息保留,但按默认字段校验和显示。")
                if is_tag
                else _("确定删除%(l)s的扩展字段定义?已填写的扩展信息保留,但不再校验和显示。")
            )
            % {"l": label},
            "button": _("恢复默认") if is_tag else _("删除"),
            "back": reverse("manage-collection:schema-edit", args=[key]),
        },
    )


_MODE_LABELS = {
    policy.VISIBLE: gettext_lazy("明文"),
    policy.MASKED: gettext_lazy("脱敏"),
    policy.HIDDEN: gettext_lazy("隐藏"),
}
_FIELD_LABELS = {
    "id_number": gettext_lazy("身份证号"),
    "phone": gettext_lazy("手机号"),
    "health": gettext_lazy("健康信息(特殊人群)"),
    "birth_date": gettext_lazy("出生日期"),
}


@manage_required(Action.CONFIGURE)
def field_policy(request):
    """The policy as a table (role × field). It is declared in code (collection/policy.py)
    and changed through a reviewed release, not a page: a masking rule is a security
    control, and derived fields (birth date) must follow their source in every output."""
    fields = list(policy.FIELD_POLICY)
    rows = []
    for role, role_label in Role.choices:
        cells = []
        for f in fields:
            mode = policy.FIELD_POLICY[f].get(role, policy.HIDDEN)
            reveal = role in policy.REVEAL_ROLES.get(f, set())
            cells.append({"mode": mode, "label": _MODE_LABELS[mode], "reveal": reveal})
        rows.append({"role": role_label, "cells": cells})
    derived = [
        (_FIELD_LABELS.get(d, d), _FIELD_LABELS.get(s, s)) for d, s in policy.DERIVED_FROM.items()
    ]
    return render(
        request,
        "collection/manage/field_policy.html",
        {"fields": [_FIELD_LABELS.get(f, f) for f in fields], "rows": rows, "derived": derived},
    )
