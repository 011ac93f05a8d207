"""The events app's words for the audit trail (governance/audit_labels.py): every step
of a case is named as the timeline names it (flows.ACTION_LABELS)."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import (
    audit_actions_register,
    audit_field_register,
    audit_nameable_register,
    audit_values_register,
)

from .flows import ACTION_LABELS, TRANSITIONS
from .models import SupervisionCard


def register() -> None:
    audit_nameable_register("events.EventCategory")
    names = {*ACTION_LABELS, *TRANSITIONS}
    audit_actions_register(
        {f"event.{name}": ACTION_LABELS.get(name, name) for name in sorted(names)}
    )
    audit_actions_register(
        {
            "event.report": _("上报事件"),
            "event.send_back": _("退回"),  # the transitions' own labels
            "event.send_down": _("退回下级"),
            "category.save": _("保存事件分类"),
            "routing.set": _("设置分派规则"),
            "routing.delete": _("删除分派规则"),
            "open311.client_create": _("新增 Open311 接入方"),
        }
    )
    audit_field_register("department", _("承办部门"), object_type="events.routingrule")
    audit_field_register("unit", _("当前承办单位"))
    audit_field_register("previous_area", _("上一处置单位"))
    audit_field_register("dispatched_by_area", _("分派单位"))
    audit_field_register("departments", _("涉及部门"))
    audit_field_register("previous_area_id", _("上一处置单位"))
    audit_field_register("supervision", _("督办等级"))
    audit_values_register("supervision", SupervisionCard.Colour)
    audit_field_register("dispatched_by_area_id", _("分派单位"))
