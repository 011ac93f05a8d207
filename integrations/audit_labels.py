"""The integrations' words for the audit trail (governance/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import audit_actions_register, audit_field_register


def register() -> None:
    audit_actions_register(
        {
            "department_token.issue": _("签发部门令牌"),
            "department_token.revoke": _("吊销部门令牌"),
            "webhook_subscription.create": _("新增推送订阅"),
            "webhook_subscription.deactivate": _("停用推送订阅"),
            "webhook_subscription.rotate_secret": _("更换推送密钥"),
            "webhook_delivery.replay": _("重新推送"),
        }
    )
    audit_field_register("event_types", _("订阅事件"))
    audit_field_register("url", _("推送地址"))
    audit_field_register("secret", _("签名密钥"))
    audit_field_register("key_prefix", _("令牌前缀"))
