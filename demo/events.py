"""Sample cases for the demo: a few in each state, made through the real services so
their traces, deadlines and notifications are what users will see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from events.config import routing_rule_set
from events.models import Event, EventCategory
from events.services import event_report, event_supervise, event_transition
from governance.models import Department
from grids.models import Area

SAMPLES = [
    # (category, title, description, steps)
    ("0101", "楼上漏水引发邻里纠纷", "3 单元 302 漏水至 202,双方协商未果", []),
    ("0302", "楼道内电动车违规充电", "1 号楼楼道飞线充电,存在火灾隐患", ["accept"]),
    ("0601", "早市占道经营", "人民大街早市摊位占用人行道约 50 米", ["accept", "dispatch"]),
    ("0603", "井盖缺失", "小区东门外井盖缺失,夜间危险", ["accept", "dispatch", "sign"]),
    ("0503", "饭店夜间噪音扰民", "烧烤店营业至凌晨两点", ["escalate"]),
    ("0801", "独居老人求助", "独居老人行动不便,需要定期探访", ["accept", "handle", "close"]),
]


@transaction.atomic
def ensure_demo_events() -> int:
    User = get_user_model()
    worker = User.objects.filter(username="grid_worker").first()
    if worker is None or Event.objects.exists():
        return 0
    grid = worker.role_assignments.get(role="grid_worker").area
    county = Area.objects.get(code=grid.ancestor_codes[2])
    dept = Department.objects.filter(area=county).order_by("code").first()
    staff = {
        3: User.objects.get(username="county_dispatcher"),
        4: User.objects.get(username="township_staff"),
        5: User.objects.get(username="village_staff"),
    }
    handler = User.objects.get(username="dept_handler")
    if dept is not None:
        routing_rule_set(
            actor=None, category=EventCategory.objects.get(code="06"), area=county, department=dept
        )
    made = 0
    for code, title, description, steps in SAMPLES:
        category = EventCategory.objects.get(code=code)
        e = event_report(
            actor=worker,
            title=title,
            description=description,
            category=category,
            grid=grid,
            address=grid.name,
        )
        for step in steps:
            unit_staff = staff.get(e.current_area.level)
            if step == "dispatch":
                e = event_transition(
                    actor=unit_staff,
                    event=e,
                    action="dispatch",
                    department=dept,
                    note="请依职责办理",
                )
            elif step == "sign":
                e = event_transition(actor=handler, event=e, action="sign")
            elif step == "close":
                e = event_transition(
                    actor=unit_staff, event=e, action="close", note="已联系社区志愿者每周探访两次"
                )
            else:
                e = event_transition(actor=unit_staff, event=e, action=step, note="演示数据")
        made += 1
    noisy = Event.objects.get(title="饭店夜间噪音扰民")
    event_supervise(
        actor=User.objects.get(username="city_leader"),
        event=noisy,
        colour="yellow",
        message="群众多次反映,请区里尽快协调处理",
    )
    return made
