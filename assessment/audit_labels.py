"""The assessment app's words for the audit trail (governance/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import audit_actions_register, audit_field_register


def register() -> None:
    audit_actions_register(
        {
            "assessment.rule_create": _("新增评分规则"),
            "assessment.rule_update": _("修改评分规则"),
            "assessment.system_create": _("新增指标体系"),
            "assessment.scheme_create": _("新增考核方案"),
            "assessment.scheme_review": _("审核考核结果"),
            "assessment.scheme_publish": _("发布考核结果"),
            "assessment.compute_request": _("计算考核"),
            "assessment.scheme_compute": _("完成考核计算"),
            "assessment.entry_submit": _("人工填报得分"),
            "assessment.entry_review": _("审核人工填报"),
            "assessment.entries_import": _("导入第三方评价"),
            "assessment.taskbook_create": _("新建任务书"),
            "assessment.task_create": _("分解自评任务"),
            "assessment.task_progress": _("报告任务进展"),
        }
    )
    task = "assessment.task"
    audit_field_register("milestones", _("节点数"), object_type=task)
    audit_field_register("owner", _("责任单位"), object_type=task)
    for object_type in (task, "assessment.manualentry"):
        audit_field_register("files", _("佐证文件数"), object_type=object_type)
