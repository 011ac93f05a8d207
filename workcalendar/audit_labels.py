"""The calendar's words for the audit trail (governance/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import (
    audit_actions_register,
    audit_field_register,
    audit_values_register,
)

from .models import DayKind


def register() -> None:
    audit_actions_register(
        {
            "calendar.seed": _("导入法定节假日"),
            "calendar.set": _("设置工作日历"),
        }
    )
    audit_values_register("kind", DayKind, object_type="workcalendar.calendarday")
    audit_field_register("written", _("写入天数"))
    audit_field_register("removed", _("删除天数"))
    audit_field_register("source", _("来源"))
