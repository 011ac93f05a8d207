"""Fixtures of the assessment tests: rules and a small indicator system built through the
services, and real cases behind the figures the calculation reads (counted into the
rollups the way the services count them)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from assessment.services import indicator_system_create, rule_create
from events.models import Event, EventCategory, Status
from governance.figures import figures_count
from grids.models import Area

NANGUAN = "220102000000"
PERIOD_DAY = date(2026, 3, 10)

# figure -> (status, due_state) of the cases that count in it
_CASES = {
    "events.closed": (Status.CLOSED, "on_time"),
    "events.overdue": (Status.HANDLING, "overdue"),
    "events.near_due": (Status.HANDLING, "near_due"),
}


def cell(area, figure: str, n: int, *, day: date = PERIOD_DAY, key: str = "") -> None:
    """`n` cases in a grid of `area` that count `n` in the cell (day, area, figure, key):
    for `events.closed` closed on `day`, else still open, reported on `day` and flagged;
    held by department `key` (none if "")."""
    status, due_state = _CASES[figure]
    grid = Area.objects.filter(level=6, path__startswith=area.path).order_by("code").first()
    at = timezone.make_aware(datetime.combine(day, time(10)))
    events = Event.objects.bulk_create(
        Event(
            number=f"AS{secrets.token_hex(8)}",
            title="考核测试事件",
            category=EventCategory.objects.get(code="0101"),
            source="grid_worker",
            grid=grid,
            area_path=grid.path,
            current_area=area,
            current_department_id=int(key) if key else None,
            status=status,
            due_state=due_state,
            closed_at=at + timedelta(hours=1) if status == Status.CLOSED else None,
        )
        for _ in range(n)
    )
    ids = [e.pk for e in events]
    Event.objects.filter(pk__in=ids).update(reported_at=at)  # auto_now_add on create
    figures_count("events", ids)


def rules_make(actor) -> None:
    rule_create(actor=actor, name="结案数线性", kind="linear", params={"low": 0, "high": 10})
    rule_create(actor=actor, name="超期扣分", kind="deduction", params={"per": 5, "floor": 10})
    rule_create(actor=actor, name="临期否决", kind="veto", params={"threshold": 1})


ROWS = [
    {"code": "A", "name": "办理质量", "weight": 60},
    {
        "code": "A1",
        "name": "结案数",
        "parent": "A",
        "weight": 50,
        "kind": "result",
        "source": "figure",
        "figure": "events.closed",
        "rule": "结案数线性",
    },
    {
        "code": "A2",
        "name": "超期",
        "parent": "A",
        "weight": 50,
        "kind": "process",
        "source": "figure",
        "figure": "events.overdue",
        "rule": "超期扣分",
    },
    {"code": "B", "name": "平安建设", "weight": 40},
    {"code": "B1", "name": "群众评议", "parent": "B", "weight": 100, "source": "manual"},
    {
        "code": "B2",
        "name": "临期否决",
        "parent": "B",
        "weight": 0,
        "source": "figure",
        "figure": "events.near_due",
        "rule": "临期否决",
    },
]


def system_make(actor, name="测试指标体系"):
    rules_make(actor)
    return indicator_system_create(actor=actor, name=name, rows=[dict(r) for r in ROWS])
