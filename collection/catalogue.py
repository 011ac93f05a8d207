"""The data catalogue (数据资源目录): what each dataset holds, who owns it, how widely
it is shared and how often it changes, with record counts in the caller's
jurisdiction. Declared here, next to the models it describes, so it cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from events.models import Event

from .models import House, Organisation, Person, PersonTag, Place, Visit
from .policy import FIELD_POLICY


@dataclass(frozen=True)
class Dataset:
    code: str
    name: str
    model: type
    owner: str  # owning department (综治中心 unless a department supplies the data)
    sharing: str  # 无条件共享 / 有条件共享 / 不予共享 (GB/T 21063 terms)
    frequency: str
    description: str = ""
    exclude: tuple = field(default=("id", "area_path", "extra"))
    # Records in the caller's jurisdiction; default: the model's scoped count.
    count: Callable | None = None

    def records(self, user) -> int:
        if self.count is not None:
            return self.count(user)
        return self.model.objects.restrict(user).count()


def _active_tags(user) -> int:
    """Special-group tags have no path of their own: counted through their people."""
    return PersonTag.objects.filter(
        end_date__isnull=True, person__in=Person.objects.restrict(user)
    ).count()


CATALOGUE = [
    Dataset(
        "people",
        _("实有人口"),
        Person,
        _("公安机关、综治中心"),
        _("有条件共享"),
        _("实时"),
        _("户籍、流动、境外、留守人员;证件号码与电话加密存储、按角色脱敏"),
    ),
    Dataset(
        "special_groups",
        _("特殊人群与重点青少年"),
        PersonTag,
        _("政法、司法、公安、卫健部门"),
        _("不予共享"),
        _("实时"),
        _("人员标签与专项信息;健康信息仅限管理和走访人员"),
        exclude=("id", "extra", "person"),
        count=_active_tags,
    ),
    Dataset(
        "houses",
        _("实有房屋"),
        House,
        _("住建部门、综治中心"),
        _("有条件共享"),
        _("实时"),
        _("含出租房屋"),
    ),
    Dataset(
        "organisations",
        _("非公有制经济组织与社会组织"),
        Organisation,
        _("市场监管、民政部门"),
        _("无条件共享"),
        _("每日"),
    ),
    Dataset("places", _("重点场所"), Place, _("综治中心"), _("有条件共享"), _("每周")),
    Dataset("visits", _("走访记录"), Visit, _("综治中心"), _("有条件共享"), _("实时")),
    Dataset("events", _("事件"), Event, _("综治中心"), _("有条件共享"), _("实时")),
]


def catalogue_list(*, user) -> list[dict]:
    rows = []
    for d in CATALOGUE:
        fields = [
            {
                "name": f.name,
                "label": str(getattr(f, "verbose_name", f.name)),
                "protected": f.name in FIELD_POLICY,
            }
            for f in d.model._meta.get_fields()
            if getattr(f, "concrete", False)
            and f.name not in d.exclude
            and not f.name.endswith("_index")
        ]
        rows.append(
            {
                "code": d.code,
                "name": str(d.name),
                "owner": str(d.owner),
                "sharing": str(d.sharing),
                "frequency": str(d.frequency),
                "description": str(d.description),
                "records": d.records(user),
                "fields": fields,
            }
        )
    return rows
