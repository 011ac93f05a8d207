"""Administrators' configuration of categories and routing rules (audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record, diff, snapshot
from governance.roles import Action

from .models import EventCategory, RoutingRule

CATEGORY_FIELDS = [
    "name",
    "parent_id",
    "accept_level",
    "accept_hours",
    "handle_days",
    "verify_days",
    "evidence_required",
    "active",
]


def _require_province_admin(actor) -> None:
    require(actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以维护事件分类。"))


@transaction.atomic
def category_save(*, actor, code: str, **fields) -> EventCategory:
    """Create or update a category; the tree and time limits are provincial settings."""
    _require_province_admin(actor)
    if not 1 <= int(fields.get("accept_level", 5)) <= 6:
        raise ValidationError(_("受理层级须为 1 到 6。"), code="invalid")
    category = EventCategory.objects.filter(code=code).first()
    before = snapshot(category, CATEGORY_FIELDS) if category else {}
    if category is None:
        category = EventCategory(code=code)
    for k, v in fields.items():
        setattr(category, k, v)
    category.full_clean()
    category.save()
    audit_record(
        actor=actor,
        action="category.save",
        obj=category,
        changes=diff(before, snapshot(category, CATEGORY_FIELDS)),
    )
    return category


@transaction.atomic
def routing_rule_set(*, actor, category, area, department) -> RoutingRule:
    require(actor, area, Action.CONFIGURE, message=_("您无权在该区域配置分派规则。"))
    if not (
        area.path.startswith(department.area.path) or department.area.path.startswith(area.path)
    ):
        raise ValidationError(_("部门不在该区域范围内。"), code="invalid")
    rule, created = RoutingRule.objects.update_or_create(
        category=category, area=area, defaults={"department": department}
    )
    audit_record(
        actor=actor,
        action="routing.set",
        obj=rule,
        changes={"department": [None if created else "?", department.code]},
        area_path=area.path,
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    require(actor, rule.area, Action.CONFIGURE, message=_("您无权在该区域配置分派规则。"))
    audit_record(
        actor=actor,
        action="routing.delete",
        obj=rule,
        changes={"department": [rule.department.code, None]},
        area_path=rule.area.path,
    )
    rule.delete()
