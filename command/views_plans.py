"""Pages of contingency plans: the list, the administrator's form (plan and its steps),
activation from an event (by hand, or accepting the system's proposal) and the
activation's progress board (every step, every recipient, who is late; close with a
summary)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from events.evidence import evidence_response
from events.models import Event, EventCategory
from governance.errors import Conflict, Forbidden, NotFound
from governance.models import Department
from governance.navigation import page_rule
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import plans, selectors
from .actions import PLAN_CONFIGURE, may_activate_plans, may_configure_plans, may_read_plans
from .models import PlanActivation, PlanAttachment, PlanStep, Priority
from .plans import STEP_ROLES

STEP_ROWS = 8


def _error_text(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
@page_rule(may_read_plans)
def plan_list(request):
    return render(
        request,
        "command/plans.html",
        {
            "plans": selectors.plan_list(user=request.user),
            "can_configure": may_configure_plans(request.user),
        },
    )


def _steps_from_post(post) -> list[dict]:
    steps = []
    for i in range(STEP_ROWS):
        title = post.get(f"step-{i}-title", "").strip()
        if not title:
            continue
        who = post.get(f"step-{i}-who", "")
        step = {
            "title": title,
            "instructions": post.get(f"step-{i}-instructions", ""),
            "offset": post.get(f"step-{i}-offset", "1"),
            "offset_unit": post.get(f"step-{i}-offset_unit", "hours"),
            "checklist": post.get(f"step-{i}-checklist", ""),
        }
        kind, _sep, value = who.partition(":")
        if kind == "role":
            step["role"] = value
        elif kind == "level":
            step["unit_level"] = value
        elif kind == "dept":
            step["department"] = value
        steps.append(step)
    return steps


def _contacts_from_post(text: str) -> list[dict]:
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace(",", ",").split(",")]
        if parts and parts[0]:
            out.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else ""})
    return out


@login_required
def plan_form(request, pk=None):
    """A plan outside the caller's plans is a 404 (as for any record); a new plan is
    for administrators only (404 for the others: nothing to show them)."""
    plan = None
    if pk is not None:
        try:
            plan = selectors.plan_get(user=request.user, pk=pk)
        except NotFound:
            raise Http404 from None
    areas = list(
        Area.objects.filter(path__in=jurisdiction_paths(request.user, PLAN_CONFIGURE)).order_by(
            "level", "code"
        )
    )
    # The form offers the administrator's areas and the counties and cities below them.
    choices = (
        list(
            Area.objects.filter(
                Q(path__in=[a.path for a in areas])
                | Q(level__lte=3, path__regex=r"^(" + "|".join(a.path for a in areas) + ")")
            ).order_by("level", "code")[:200]
        )
        if areas
        else []
    )
    editable = bool(areas) and (
        plan is None or any(plan.area_path.startswith(a.path) for a in areas)
    )
    if plan is None and not areas:
        raise Http404
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            category = None
            if post.get("category"):
                category = EventCategory.objects.filter(code=post["category"]).first()
                if category is None:
                    raise ValidationError(_("事件分类不存在。"), code="invalid_category")
            fields = {
                "name": post.get("name", ""),
                "category": category,
                "min_urgency": post.get("min_urgency", "urgent"),
                "description": post.get("description", ""),
                "contacts": _contacts_from_post(post.get("contacts", "")),
                "active": post.get("active") == "on",
                "steps": _steps_from_post(post),
                "files": request.FILES.getlist("files"),
            }
            if plan is None:
                area = Area.objects.filter(code=str(post.get("area", ""))[:15]).first()
                if area is None or not any(area.path.startswith(a.path) for a in areas):
                    raise ValidationError(_("请选择预案适用区域。"), code="required")
                plan = plans.plan_create(actor=request.user, area=area, **fields)
            else:
                plan = plans.plan_update(actor=request.user, plan=plan, **fields)
            messages.success(request, _("预案已保存(第 %(v)s 版)。") % {"v": plan.version})
            return redirect(plan.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 400
    steps = list(plan.steps.all()) if plan else []
    rows = []
    for i in range(STEP_ROWS):
        s = steps[i] if i < len(steps) else None
        who = ""
        if s is not None:
            who = (
                f"role:{s.role}"
                if s.role
                else f"level:{s.unit_level}"
                if s.unit_level
                else f"dept:{s.department_id}"
            )
        rows.append({"i": i, "s": s, "who": who, "checklist": "\n".join(s.checklist) if s else ""})
    from governance.roles import Role

    dept_area = plan.area_path if plan else (areas[0].path if areas else "")
    return render(
        request,
        "command/plan_form.html",
        {
            "plan": plan,
            "areas": choices,
            "editable": editable,
            "rows": rows,
            "categories": EventCategory.objects.filter(active=True).order_by("code"),
            "urgencies": Priority.choices,
            "roles": [(r, Role(r).label) for r in STEP_ROLES],
            "levels": [(4, _("乡镇(街道)")), (5, _("村(社区)")), (3, _("县(区)"))],
            "departments": Department.objects.filter(area__path__startswith=dept_area).order_by(
                "name"
            )[:200],
            "units": PlanStep.OffsetUnit.choices,
            "contacts": "\n".join(
                f"{c['name']},{c.get('phone', '')}" for c in (plan.contacts if plan else [])
            ),
            "activations": (
                selectors.activation_list(user=request.user).filter(plan=plan)[:20] if plan else []
            ),
        },
        status=status,
    )


@login_required
def plan_file(request, pk):
    item = PlanAttachment.objects.filter(
        pk=pk, plan__in=selectors.plan_list(user=request.user)
    ).first()
    if item is None:
        raise Http404
    return evidence_response(item, filename_stem=f"plan-{item.plan_id}-{item.pk}")


@login_required
@page_rule(may_activate_plans)
def activate(request):
    data = request.POST if request.method == "POST" else request.GET
    event = Event.objects.restrict(request.user).filter(number=data.get("event", "")).first()
    if event is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            plan = selectors.plan_get(user=request.user, pk=request.POST.get("plan"))
            act = plans.plan_activate(actor=request.user, plan=plan, event=event)
            messages.success(request, _("预案已启动,各步骤指令已下达。"))
            return redirect(act.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 400
    matching = {p.pk for p in plans.plans_matching(event)}
    available = [
        (p, p.pk in matching)
        for p in selectors.plan_list(user=request.user)
        if event.area_path.startswith(p.area_path)
    ]
    available.sort(key=lambda x: (not x[1], not x[0].active, x[0].name))
    return render(
        request,
        "command/activate.html",
        {"event": event, "available": available},
        status=status,
    )


@login_required
def activation_board(request, pk):
    try:
        act = selectors.activation_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        what = request.POST.get("action")
        try:
            if what == "close":
                plans.activation_close(
                    actor=request.user, activation=act, summary=request.POST.get("summary", "")
                )
                messages.success(request, _("预案已关闭。"))
            elif what == "accept":
                if act.status != PlanActivation.Status.PROPOSED:
                    raise Conflict(_("该记录不是待确认的启动建议。"), code="invalid_state")
                plans.plan_activate(actor=request.user, plan=act.plan, event=act.event)
                messages.success(request, _("预案已启动,各步骤指令已下达。"))
            elif what == "decline":
                plans.activation_decline(
                    actor=request.user, activation=act, note=request.POST.get("summary", "")
                )
                messages.success(request, _("已不予启动。"))
            else:
                raise ValidationError(_("未知操作。"), code="invalid")
            return redirect(act.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 400
    board = selectors.activation_board(activation=act)
    late = sum(1 for row in board for r in row["recipients"] if r["late"])
    return render(
        request,
        "command/board.html",
        {
            "act": act,
            "board": board,
            "late": late,
            "can_act": may_activate_plans(request.user),
        },
        status=status,
    )
