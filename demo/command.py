"""Sample contingency plans and a command for the demo (command/), made through the real
services: the demo county's plans for fire and gas hazards and for mass disputes, and the
county dispatcher's command to the demo grid worker."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from command.models import Command, Plan
from command.plans import plan_create
from command.services import RecipientSpec, command_issue
from events.models import EventCategory
from grids.models import Area

PLANS = [
    (
        "消防及燃气安全隐患应急处置预案",
        "03",
        "urgent",
        [
            (
                "网格员赶赴现场核实、疏散周边群众",
                "role",
                "grid_worker",
                1,
                "hours",
                ["设置警戒线", "疏散周边群众", "拍照上报现场情况"],
            ),
            ("社区组织排查周边楼栋", "level", 5, 4, "hours", ["逐户排查", "登记独居老人"]),
            (
                "乡镇(街道)协调消防、燃气部门处置",
                "level",
                4,
                1,
                "workdays",
                ["联系消防救援站", "联系燃气公司"],
            ),
            ("综治中心汇总处置情况并报告", "role", "county_dispatcher", 2, "workdays", []),
        ],
    ),
    (
        "群体性矛盾纠纷应急处置预案",
        "01",
        "critical",
        [
            (
                "网格员到场稳控、了解诉求",
                "role",
                "grid_worker",
                1,
                "hours",
                ["了解人数与诉求", "劝导疏散"],
            ),
            ("乡镇(街道)组织人民调解", "level", 4, 1, "workdays", ["组织调解", "形成调解记录"]),
            ("综治中心跟踪化解结果", "role", "county_dispatcher", 3, "workdays", []),
        ],
    ),
]


def _step(title, kind, who, offset, unit, checklist) -> dict:
    step = {"title": title, "offset": offset, "offset_unit": unit, "checklist": checklist}
    step["role" if kind == "role" else "unit_level"] = who
    return step


@transaction.atomic
def ensure_demo_command() -> int:
    """The demo's plans and one command; nothing when plans exist already."""
    User = get_user_model()
    worker = User.objects.filter(username="grid_worker").first()
    dispatcher = User.objects.filter(username="county_dispatcher").first()
    if worker is None or dispatcher is None or Plan.objects.exists():
        return 0
    grid = worker.role_assignments.get(role="grid_worker").area
    county = Area.objects.get(code=grid.ancestor_codes[2])
    for name, category, urgency, steps in PLANS:
        plan_create(
            actor=None,
            area=county,
            name=name,
            category=EventCategory.objects.get(code=category),
            min_urgency=urgency,
            description="演示预案:按事件分类与紧急程度自动建议启动。",
            contacts=[{"name": "区综治中心值班室", "phone": "0431-88880000"}],
            steps=[_step(*s) for s in steps],
        )
    if not Command.objects.exists():
        command_issue(
            actor=dispatcher,
            area=county,
            title="开展辖区燃气安全隐患排查",
            body="请于时限前完成本网格沿街商铺燃气安全排查,拍照反馈。",
            priority="urgent",
            deadline=timezone.now() + timedelta(days=2),
            recipients=RecipientSpec(users=[worker.pk]),
        )
    return len(PLANS)
