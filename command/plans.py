"""Contingency plans (应急预案): defined by administrators for an area, an event category
and a minimum urgency; activated from an event by hand, or proposed automatically when a
new event matches (the dispatcher accepts the proposal). An activation issues one
command per step, with the step's deadline counted from the activation in clock hours
or on the working-day calendar; closing it records a summary."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.evidence import evidence_check, evidence_store
from events.models import EventCategory
from governance.access import require
from governance.audit import audit_record
from governance.errors import Conflict, NotFound
from governance.models import Department, RoleAssignment
from governance.notifications import Text, notify
from governance.roles import Action, Role
from governance.scoping import jurisdiction_paths
from grids.models import Area, ancestor_paths
from workcalendar.workdays import get_calendar

from .actions import COMMAND_ISSUE, PLAN_ACTIVATE, PLAN_CONFIGURE
from .models import (
    URGENCY_RANK,
    Command,
    Plan,
    PlanActivation,
    PlanAttachment,
    PlanStep,
    Priority,
)
from .services import RecipientSpec, _text, command_issue

MAX_STEPS = 50
MAX_CHECKLIST = 30
MAX_CONTACTS = 20
STEP_ROLES = {
    Role.GRID_WORKER: 6,
    Role.VILLAGE_STAFF: 5,
    Role.TOWNSHIP_STAFF: 4,
    Role.COUNTY_DISPATCHER: 3,
}


# -- configuration -----------------------------------------------------------------------


def _clean_contacts(contacts) -> list[dict]:
    if contacts in (None, ""):
        return []
    if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
        raise ValidationError(_("联系人格式有误。"), code="invalid_contacts")
    out = []
    for c in contacts:
        if not isinstance(c, dict):
            raise ValidationError(_("联系人格式有误。"), code="invalid_contacts")
        name = _text(c.get("name"), _("联系人姓名"), required=True, limit=50)
        phone = _text(c.get("phone"), _("联系电话"), required=False, limit=30)
        role = _text(c.get("role"), _("联系人职务"), required=False, limit=50)
        out.append({"name": name, "phone": phone, "role": role})
    return out


def _clean_steps(steps, area: Area) -> list[dict]:
    if not isinstance(steps, list) or not steps:
        raise ValidationError(_("预案至少需要一个步骤。"), code="no_steps")
    if len(steps) > MAX_STEPS:
        raise ValidationError(
            _("预案步骤最多 %(n)s 个。") % {"n": MAX_STEPS}, code="too_many_steps"
        )
    out = []
    for i, s in enumerate(steps, start=1):
        if not isinstance(s, dict):
            raise ValidationError(_("步骤格式有误。"), code="invalid_step")
        n = {"n": i}
        title = _text(s.get("title"), _("第 %(n)s 步的名称") % n, required=True, limit=200)
        instructions = _text(s.get("instructions"), _("步骤要求"), required=False)
        role = s.get("role") or ""
        unit_level = s.get("unit_level")
        department = s.get("department")
        given = sum(1 for v in (role, unit_level, department) if v not in (None, ""))
        if given != 1:
            raise ValidationError(
                _("第 %(n)s 步须指定且只指定一个责任角色、责任单位层级或责任部门。") % n,
                code="invalid_responsible",
            )
        if role and role not in STEP_ROLES:
            raise ValidationError(_("第 %(n)s 步的责任角色无效。") % n, code="invalid_role")
        if unit_level not in (None, ""):
            try:
                unit_level = int(unit_level)
            except (TypeError, ValueError):
                unit_level = 0
            if not 1 <= unit_level <= 6:
                raise ValidationError(
                    _("第 %(n)s 步的责任单位层级无效(1–6)。") % n, code="invalid_level"
                )
        else:
            unit_level = None
        dept = None
        if department not in (None, ""):
            dept = (
                Department.objects.select_related("area")
                .filter(pk=department if str(department).isdigit() else -1)
                .first()
            )
            if dept is None or not dept.area.path.startswith(area.path):
                raise ValidationError(
                    _("第 %(n)s 步的责任部门不在预案适用区域内。") % n, code="invalid_department"
                )
        try:
            offset = int(s.get("offset", 1))
        except (TypeError, ValueError):
            offset = -1
        unit = s.get("offset_unit") or PlanStep.OffsetUnit.HOURS
        if unit not in PlanStep.OffsetUnit.values:
            raise ValidationError(_("第 %(n)s 步的时限单位无效。") % n, code="invalid_offset")
        lowest = 1 if unit == PlanStep.OffsetUnit.HOURS else 0
        if not lowest <= offset <= 8760:
            raise ValidationError(
                _("第 %(n)s 步的时限无效(小时至少为 1)。") % n, code="invalid_offset"
            )
        checklist = s.get("checklist") or []
        if isinstance(checklist, str):
            checklist = [line for line in checklist.splitlines()]
        if not isinstance(checklist, list) or len(checklist) > MAX_CHECKLIST:
            raise ValidationError(_("第 %(n)s 步的检查清单有误。") % n, code="invalid_checklist")
        checklist = [
            _text(c, _("检查项"), required=False, limit=200) for c in checklist if str(c).strip()
        ]
        out.append(
            {
                "order": i,
                "title": title,
                "instructions": instructions,
                "role": role,
                "unit_level": unit_level,
                "department": dept,
                "offset": offset,
                "offset_unit": unit,
                "checklist": checklist,
            }
        )
    return out


def _steps_snapshot(steps: list[dict]) -> list[dict]:
    return [{**s, "department": s["department"].pk if s["department"] else None} for s in steps]


def _clean_plan(name, min_urgency, description, area):
    name = _text(name, _("预案名称"), required=True, limit=150)
    if min_urgency not in Priority.values:
        raise ValidationError(_("最低紧急程度无效。"), code="invalid_urgency")
    description = _text(description, _("说明"), required=False)
    if Plan.objects.filter(name=name, area=area).exists():
        return name, description, True
    return name, description, False


@transaction.atomic
def plan_create(
    *,
    actor,
    area: Area,
    name,
    category=None,
    min_urgency=Priority.URGENT,
    description="",
    contacts=None,
    active=True,
    steps,
    files=None,
) -> Plan:
    require(actor, area, PLAN_CONFIGURE, message=_("只有该区域的管理员可以配置应急预案。"))
    name, description, duplicate = _clean_plan(name, min_urgency, description, area)
    if duplicate:
        raise ValidationError(_("该区域已有同名预案。"), code="duplicate")
    contacts = _clean_contacts(contacts)
    cleaned = _clean_steps(steps, area)
    checked = evidence_check(files)
    plan = Plan.objects.create(
        name=name,
        area=area,
        area_path=area.path,
        category=category,
        min_urgency=min_urgency,
        description=description,
        contacts=contacts,
        active=bool(active),
    )
    PlanStep.objects.bulk_create([PlanStep(plan=plan, **s) for s in cleaned])
    audit_record(
        actor=actor,
        action="command.plan_create",
        obj=plan,
        area_path=plan.area_path,
        changes={
            "name": [None, name],
            "category": [None, category.code if category else None],
            "min_urgency": [None, min_urgency],
            "active": [None, plan.active],
            "version": [None, 1],
            "steps": [None, _steps_snapshot(cleaned)],
        },
    )
    evidence_store(PlanAttachment, actor=actor, checked=checked, plan=plan)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: Plan,
    name=None,
    category=...,
    min_urgency=None,
    description=None,
    contacts=None,
    active=None,
    steps=None,
    files=None,
) -> Plan:
    """Every change is a new version; the audit entry holds the steps before and after."""
    require(
        actor, plan.area_path, PLAN_CONFIGURE, message=_("只有该区域的管理员可以配置应急预案。")
    )
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    changes: dict = {}
    if name is not None:
        name = _text(name, _("预案名称"), required=True, limit=150)
        if name != plan.name:
            if Plan.objects.filter(name=name, area_id=plan.area_id).exclude(pk=plan.pk).exists():
                raise ValidationError(_("该区域已有同名预案。"), code="duplicate")
            changes["name"] = [plan.name, name]
            plan.name = name
    if category is not ... and (category.pk if category else None) != plan.category_id:
        changes["category"] = [plan.category_id, category.pk if category else None]
        plan.category = category
    if min_urgency is not None and min_urgency != plan.min_urgency:
        if min_urgency not in Priority.values:
            raise ValidationError(_("最低紧急程度无效。"), code="invalid_urgency")
        changes["min_urgency"] = [plan.min_urgency, min_urgency]
        plan.min_urgency = min_urgency
    if description is not None:
        description = _text(description, _("说明"), required=False)
        if description != plan.description:
            changes["description"] = [bool(plan.description), bool(description)]
            plan.description = description
    if contacts is not None:
        contacts = _clean_contacts(contacts)
        if contacts != plan.contacts:
            changes["contacts"] = [len(plan.contacts), len(contacts)]
            plan.contacts = contacts
    if active is not None and bool(active) != plan.active:
        changes["active"] = [plan.active, bool(active)]
        plan.active = bool(active)
    checked = evidence_check(files)
    if steps is not None:
        cleaned = _clean_steps(steps, plan.area)
        before = [
            {
                "order": s.order,
                "title": s.title,
                "instructions": s.instructions,
                "role": s.role,
                "unit_level": s.unit_level,
                "department": s.department_id,
                "offset": s.offset,
                "offset_unit": s.offset_unit,
                "checklist": s.checklist,
            }
            for s in plan.steps.all()
        ]
        after = _steps_snapshot(cleaned)
        if before != after:
            changes["steps"] = [before, after]
            plan.steps.all().delete()
            PlanStep.objects.bulk_create([PlanStep(plan=plan, **s) for s in cleaned])
    if checked:
        changes["files"] = [None, len(checked)]
    if changes:
        plan.version += 1
        changes["version"] = [plan.version - 1, plan.version]
        plan.save()
        audit_record(
            actor=actor,
            action="command.plan_update",
            obj=plan,
            area_path=plan.area_path,
            changes=changes,
        )
    evidence_store(PlanAttachment, actor=actor, checked=checked, plan=plan)
    return plan


# -- matching and proposals --------------------------------------------------------------


def _category_chain(category) -> list[int]:
    ids, seen = [], 0
    while category is not None and seen < 10:
        ids.append(category.pk)
        category = category.parent
        seen += 1
    return ids


def plans_matching(event):
    """Active plans of the event's area or above, for its category (or a parent, or any
    category) whose minimum urgency the event reaches."""
    rank = URGENCY_RANK.get(event.urgency, 1)
    urgencies = [u for u, r in URGENCY_RANK.items() if r <= rank]
    from django.db.models import Q

    return (
        Plan.objects.filter(
            active=True,
            area_path__in=ancestor_paths(event.area_path),
            min_urgency__in=urgencies,
        )
        .filter(Q(category__isnull=True) | Q(category_id__in=_category_chain(event.category)))
        .order_by("name")
    )


def _issuers_of(path: str) -> list:
    """Who may accept a proposal: the issuers held at the event's county, township or
    village."""
    paths = ancestor_paths(path)[2:5]
    return [
        ra.user
        for ra in RoleAssignment.objects.filter(
            area__path__in=paths,
            role__in=[Role.COUNTY_DISPATCHER, Role.TOWNSHIP_STAFF],
            user__is_active=True,
        ).select_related("user")
    ]


@transaction.atomic
def activations_propose_all(events) -> None:
    """`activations_propose` for a drain's reported cases: the active plans and the
    category tree read once for all of them (two statements, however many cases), each
    case matched in memory by plans_matching's rule."""
    events = [e for e in events if e.area_path]
    if not events:
        return
    plans = list(Plan.objects.filter(active=True).order_by("name", "id"))
    if not plans:
        return
    parents = dict(EventCategory.objects.values_list("id", "parent_id"))
    for event in events:
        rank = URGENCY_RANK.get(event.urgency, 1)
        urgencies = {u for u, r in URGENCY_RANK.items() if r <= rank}
        paths = set(ancestor_paths(event.area_path))
        chain = _category_ids_up(event.category_id, parents)
        matching = [
            p
            for p in plans
            if p.area_path in paths
            and p.min_urgency in urgencies
            and (p.category_id is None or p.category_id in chain)
        ]
        if matching:
            activations_propose(event=event, plans=matching)


def _category_ids_up(category_id, parents: dict) -> list[int]:
    """The category and its ancestors (as _category_chain), from an id → parent id map."""
    ids = []
    while category_id is not None and len(ids) < 10:
        ids.append(category_id)
        category_id = parents.get(category_id)
    return ids


def activations_propose(*, event, plans=None) -> list[PlanActivation]:
    """The system's proposal to activate each matching plan (once per plan and event);
    the dispatchers are notified and accept or decline it. `plans`: the matching plans,
    when the caller has matched them already (`activations_propose_all`)."""
    if not event.area_path:
        return []
    out = []
    for plan in plans_matching(event) if plans is None else plans:
        if PlanActivation.objects.filter(plan=plan, event=event).exists():
            continue
        try:
            with transaction.atomic():
                act = PlanActivation.objects.create(
                    plan=plan,
                    plan_version=plan.version,
                    event=event,
                    area_path=event.area_path,
                    status=PlanActivation.Status.PROPOSED,
                    proposed_at=timezone.now(),
                )
        except IntegrityError:
            continue  # proposed concurrently
        audit_record(
            actor=None,
            action="command.plan_propose",
            obj=act,
            area_path=act.area_path,
            changes={"plan": [None, plan.name], "event": [None, event.number]},
        )
        out.append(act)
    if out:
        users = _issuers_of(event.area_path)
        if users:
            notify(
                users=users,
                kind="command.plan_proposed",
                title=Text(
                    gettext_lazy("建议启动应急预案:%(p)s"), p="、".join(a.plan.name for a in out)
                ),
                body=event.title,
                url=out[0].get_absolute_url(),
            )
    return out


# -- activation --------------------------------------------------------------------------


def issue_area_for(actor, event_path: str) -> Area:
    """The area the plan's commands are issued in: the event's county when the actor's
    jurisdiction covers it, else the highest of the event's areas it does cover."""
    ancestors = ancestor_paths(event_path)
    candidates = ancestors[2:] or ancestors
    if actor is not None:
        mine = jurisdiction_paths(actor, COMMAND_ISSUE)
        candidates = [p for p in candidates if any(p.startswith(m) for m in mine)]
    if not candidates:
        raise NotFound(_("事件不在您的管辖范围内。"))
    return Area.objects.get(path=candidates[0])


def step_deadline(step: PlanStep, start: datetime.datetime) -> datetime.datetime:
    if step.offset_unit == PlanStep.OffsetUnit.WORKDAYS:
        return get_calendar().add_workdays(start, step.offset)
    return start + datetime.timedelta(hours=step.offset)


def _step_recipients(step: PlanStep, event_path: str, issue_area: Area) -> RecipientSpec:
    ancestors = ancestor_paths(event_path)
    top = issue_area.path.count("/")
    if step.department_id:
        return RecipientSpec(departments=[step.department_id])
    if step.unit_level:
        level = max(step.unit_level, top)
        return RecipientSpec(
            units=[Area.objects.get(path=ancestors[min(level, len(ancestors)) - 1]).code]
        )
    level = max(STEP_ROLES.get(step.role, 3), top)
    unit = ancestors[min(level, len(ancestors)) - 1]
    users = list(
        RoleAssignment.objects.filter(role=step.role, area__path=unit, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if users:
        return RecipientSpec(users=users)
    return RecipientSpec(units=[Area.objects.get(path=unit).code])  # nobody holds the role


def _priority(event) -> str:
    return event.urgency if event.urgency in Priority.values else Priority.URGENT


@transaction.atomic
def plan_activate(*, actor, plan: Plan, event, now=None) -> PlanActivation:
    """Activate `plan` for `event` (or accept its proposal): one command per step."""
    require(actor, event.area_path, PLAN_ACTIVATE, message=_("您无权为该事件启动应急预案。"))
    from events.models import Event

    if (
        actor is not None
        and not Event.objects.restrict(actor, Action.VIEW).filter(pk=event.pk).exists()
    ):
        raise NotFound(_("事件不存在或不在您的管辖范围内。"))
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not plan.active:
        raise ValidationError(_("该预案已停用,不能启动。"), code="plan_inactive")
    if not event.area_path.startswith(plan.area_path):
        raise ValidationError(_("该预案不适用于此事件所在区域。"), code="plan_not_applicable")
    steps = list(plan.steps.all())
    if not steps:
        raise ValidationError(_("该预案没有步骤。"), code="no_steps")
    act = (
        PlanActivation.objects.select_for_update()
        .filter(plan=plan, event=event, status__in=["proposed", "active"])
        .first()
    )
    if act is not None and act.status == PlanActivation.Status.ACTIVE:
        raise Conflict(_("该预案已为此事件启动。"), code="already_active")
    now = now or timezone.now()
    area = issue_area_for(actor, event.area_path)
    before = act.status if act else None
    if act is None:
        act = PlanActivation(plan=plan, event=event, area_path=event.area_path)
    act.plan_version = plan.version
    act.status = PlanActivation.Status.ACTIVE
    act.activated_by = actor
    act.activated_at = now
    act.save()
    for step in steps:
        command_issue(
            actor=actor,
            area=area,
            title=f"【{plan.name}】{step.order}. {step.title}",
            body=step.instructions,
            priority=_priority(event),
            deadline=step_deadline(step, now),
            recipients=_step_recipients(step, event.area_path, area),
            event=event,
            activation=act,
            step=step,
            now=now,
        )
    audit_record(
        actor=actor,
        action="command.plan_activate",
        obj=act,
        area_path=act.area_path,
        changes={
            "status": [before, act.status],
            "plan": [None, plan.name],
            "version": [None, plan.version],
            "event": [None, event.number],
            "commands": [None, len(steps)],
        },
    )
    return act


def _lock_activation(actor, activation, allowed):
    require(actor, activation.area_path, PLAN_ACTIVATE, message=_("您无权处理该预案启动。"))
    act = PlanActivation.objects.select_for_update().get(pk=activation.pk)
    if act.status not in allowed:
        raise Conflict(
            _("预案启动当前状态为“%(s)s”,不能执行该操作。") % {"s": act.get_status_display()},
            code="invalid_state",
        )
    return act


@transaction.atomic
def activation_decline(*, actor, activation: PlanActivation, note="") -> PlanActivation:
    note = _text(note, _("不予启动的理由"), required=False)
    act = _lock_activation(actor, activation, (PlanActivation.Status.PROPOSED,))
    act.status = PlanActivation.Status.DECLINED
    act.closed_by = actor
    act.closed_at = timezone.now()
    act.summary = note
    act.save()
    audit_record(
        actor=actor,
        action="command.plan_decline",
        obj=act,
        area_path=act.area_path,
        changes={"status": ["proposed", act.status]},
    )
    return act


@transaction.atomic
def activation_close(*, actor, activation: PlanActivation, summary) -> PlanActivation:
    """Close a running activation with its summary; its open commands end with it."""
    summary = _text(summary, _("总结"), required=True)
    act = _lock_activation(actor, activation, (PlanActivation.Status.ACTIVE,))
    now = timezone.now()
    act.status = PlanActivation.Status.CLOSED
    act.closed_by = actor
    act.closed_at = now
    act.summary = summary
    act.save()
    ended = Command.objects.filter(activation=act, status=Command.Status.OPEN).update(
        status=Command.Status.DONE, closed_at=now
    )
    audit_record(
        actor=actor,
        action="command.plan_close",
        obj=act,
        area_path=act.area_path,
        changes={
            "status": ["active", act.status],
            "summary": [None, summary],
            "commands_ended": [None, ended],
        },
    )
    return act
