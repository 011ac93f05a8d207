"""Base data's words for the audit trail (governance/audit_labels.py). Plain
``<kind>.create/update/import`` need nothing here: the kernel names them from the verb
and the model ("新增人员")."""

from django.utils.translation import gettext_lazy as _

from governance.audit_labels import (
    audit_actions_register,
    audit_field_register,
    audit_values_register,
)

from .models import PersonTransfer, VerificationTask
from .validators import Gender


def register() -> None:
    audit_actions_register(
        {
            "person.create": _("新增人员"),
            "person.update": _("修改人员"),
            "person.reveal": _("查看完整个人信息"),
            "person.export": _("导出人员"),
            "person.transfer": _("人员迁移"),
            "person_tag.create": _("新增特殊人群标记"),
            "person_tag.update": _("修改特殊人群标记"),
            "person_tag.end": _("结束特殊人群标记"),
            "person_transfer.request": _("提出迁入申请"),
            "person_transfer.cancel": _("撤回迁入申请"),
            "person_transfer.accepted": _("同意迁入"),
            "person_transfer.refused": _("不同意迁入"),
            "house.create": _("新增房屋"),
            "house.update": _("修改房屋"),
            "organisation.create": _("新增组织"),
            "organisation.update": _("修改组织"),
            "place.create": _("新增场所"),
            "place.update": _("修改场所"),
            "visit.create": _("新增走访记录"),
            "verification.confirmed": _("核准:确认"),
            "verification.corrected": _("核准:更正"),
            "verification.rejected": _("核准:驳回"),
            "extra_schema.set": _("设置扩展字段"),
            "extra_schema.delete": _("删除扩展字段"),
            "extra_schema.reset": _("恢复默认扩展字段"),
            "task_item.create": _("新增网格事务"),
            "task_item.update": _("修改网格事务"),
            "task_item.delete": _("删除网格事务"),
        }
    )
    audit_values_register("gender", Gender)
    audit_values_register(
        "status", VerificationTask.Status, object_type="collection.verificationtask"
    )
    audit_values_register("status", PersonTransfer.Status, object_type="collection.persontransfer")
    audit_field_register("extra", _("扩展字段"))
    audit_field_register("tag", _("类别"))
    audit_field_register("rejected", _("未通过行数"))
    audit_field_register("import_job", _("导入任务"))
    # An import job's row: the range of the change feed holding its records (imports.py).
    audit_field_register("change_seq", _("变更流序号范围"))
    register_tag_fields()


def register_tag_fields() -> None:
    """The special-group tags' own fields (``extra.<key>`` in a tag's changes) by the
    titles of the built-in schemas, and their coded values (``oneOf`` const → title)."""
    from .tag_schemas import default_tag_schemas

    for schema in default_tag_schemas().values():
        for key, prop in (schema.get("properties") or {}).items():
            field = f"extra.{key}"
            if prop.get("title"):
                audit_field_register(field, f"{_('专项信息')}·{prop['title']}")
            options = prop.get("oneOf") or (prop.get("items") or {}).get("oneOf") or []
            values = {str(o["const"]): o["title"] for o in options if "const" in o}
            if values:
                audit_values_register(field, values)
