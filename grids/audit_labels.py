"""The grids app's words for the audit trail (governance/audit_labels.py)."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import audit_actions_register, audit_nameable_register


def register() -> None:
    audit_nameable_register("grids.Area")
    audit_actions_register(
        {
            "area.rename": _("区域更名"),
            "area.boundary_import": _("导入区域边界"),
        }
    )
