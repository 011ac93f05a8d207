"""The mediation app's words for the audit trail (governance/audit_labels.py): the
province administrator's settings."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import audit_actions_register


def register() -> None:
    audit_actions_register(
        {
            "mediation.code_rule_save": _("保存调解码规则"),
            "mediation.link_set": _("设置对接部门"),
            "mediation.link_remove": _("移除对接部门"),
        }
    )
