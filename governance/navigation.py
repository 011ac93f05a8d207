"""The navigation a user sees follows the actions their roles grant."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Action
from .scoping import jurisdiction_paths

MENU = [
    # (url name, label, action needed; the apps register their own, e.g. "event.report")
    ("home", _("工作台"), Action.VIEW),
    ("events:inbox", _("事件处置"), Action.VIEW),
    ("events:report", _("上报事件"), "event.report"),
    ("collection:my-grid", _("基础信息"), "basedata.change"),
    ("collection:people", _("人口与房屋"), Action.VIEW),
    ("collection:imports", _("数据导入"), Action.CHANGE),
    ("collection:transfers", _("迁入申请"), Action.CHANGE),
    ("grids:area-browser", _("区域与网格"), Action.VIEW),
    ("audit-log", _("审计日志"), Action.AUDIT),
    ("two-factor-reset", _("重置动态口令"), Action.CONFIGURE),
    ("swagger-ui", _("接口文档"), Action.VIEW),
]


def menu_for(user):
    if not user.is_authenticated:
        return []
    return [
        {"url": reverse(name), "label": label, "name": name}
        for name, label, action in MENU
        if jurisdiction_paths(user, action)
    ]
