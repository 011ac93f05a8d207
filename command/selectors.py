"""Every read of commands and plans, scoped.

A command is visible to whoever's jurisdiction contains its area
(`Command.objects.restrict`: the issuer, the area's leaders and dispatchers) and to its
recipients (the person, the staff of a recipient unit, a recipient department's
handlers) — nobody else. Plans: the plans of the user's areas and of the areas above
them (a county sees the province's plans); activations through their event's area."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import NotFound
from governance.scoping import jurisdiction_paths
from grids.models import ancestor_paths

from .actions import COMMAND_VIEW, PLAN_ACTIVATE, PLAN_CONFIGURE
from .models import (
    Command,
    CommandRecipient,
    CommandReport,
    Plan,
    PlanActivation,
    RecipientState,
    ReportEvidence,
)
from .services import recipient_q


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None


def command_visible(*, user):
    mine = CommandRecipient.objects.filter(recipient_q(user)).values("command_id")
    return Command.objects.restrict(user, COMMAND_VIEW) | Command.objects.filter(pk__in=mine)


def command_list(*, user, box: str | None = None, status: str | None = None):
    """box: `mine` (addressed to me), `issued` (by me), `overdue` (a recipient late)."""
    qs = command_visible(user=user)
    if box == "mine":
        qs = qs.filter(
            pk__in=CommandRecipient.objects.filter(recipient_q(user)).values("command_id")
        )
    elif box == "issued":
        qs = qs.filter(issuer=user)
    elif box == "overdue":
        qs = qs.filter(recipients__overdue=True, recipients__done_at__isnull=True)
    elif box not in (None, "", "all"):
        raise ValidationError(_("列表类型无效。"), code="invalid_box")
    if status:
        if status not in Command.Status.values:
            raise ValidationError(_("指令状态无效。"), code="invalid_status")
        qs = qs.filter(status=status)
    return (
        qs.distinct()
        .select_related("issuer", "event", "area")
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_done=Count("recipients", filter=Q(recipients__state="done"), distinct=True),
            n_overdue=Count(
                "recipients",
                filter=Q(recipients__overdue=True) & ~Q(recipients__state="done"),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-id")
    )


def command_get(*, user, pk) -> Command:
    command = (
        command_visible(user=user)
        .select_related("issuer", "event", "warning", "area", "activation__plan")
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=CommandRecipient.objects.prefetch_related(
                    Prefetch(
                        "reports",
                        queryset=CommandReport.objects.select_related("author").prefetch_related(
                            "files"
                        ),
                    )
                ),
            )
        )
        .filter(pk=_int(pk))
        .first()
    )
    if command is None:
        raise NotFound(_("指令不存在或不在您的管辖范围内。"))
    return command


def my_receipts(*, user, open_only: bool = True):
    """The recipient rows the user acts for, with their command (我的指令)."""
    qs = CommandRecipient.objects.filter(recipient_q(user)).select_related(
        "command", "command__issuer"
    )
    if open_only:
        qs = qs.filter(command__status=Command.Status.OPEN).exclude(state=RecipientState.DONE)
    return qs.order_by("command__deadline", "id")


def evidence_get(*, user, pk) -> ReportEvidence:
    item = (
        ReportEvidence.objects.select_related("report__recipient")
        .filter(pk=_int(pk), report__recipient__command__in=command_visible(user=user))
        .first()
    )
    if item is None:
        raise NotFound()
    return item


# -- plans -------------------------------------------------------------------------------


def plan_list(*, user, active: bool | None = None):
    """Plans defined for an area the user works in, or above it."""
    paths = set(jurisdiction_paths(user, PLAN_CONFIGURE)) | set(
        jurisdiction_paths(user, PLAN_ACTIVATE)
    )
    above = {a for p in paths for a in ancestor_paths(p)}
    q = Q(area_path__in=above)
    for p in paths:
        q |= Q(area_path__startswith=p)
    if not paths:
        return Plan.objects.none()
    qs = Plan.objects.filter(q).select_related("area", "category").prefetch_related("steps")
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("name", "id")


def plan_get(*, user, pk) -> Plan:
    plan = plan_list(user=user).filter(pk=_int(pk)).first()
    if plan is None:
        raise NotFound(_("预案不存在或不在您的管辖范围内。"))
    return plan


def activation_list(*, user, status: str | None = None):
    qs = PlanActivation.objects.restrict(user, COMMAND_VIEW).select_related("plan", "event")
    if status:
        if status not in PlanActivation.Status.values:
            raise ValidationError(_("状态无效。"), code="invalid_status")
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def activation_get(*, user, pk) -> PlanActivation:
    act = activation_list(user=user).filter(pk=_int(pk)).first()
    if act is None:
        raise NotFound(_("预案启动记录不存在或不在您的管辖范围内。"))
    return act


def activation_board(*, activation: PlanActivation, now=None) -> list[dict]:
    """Every step of the activation with its command and each recipient's state; `late`
    for a recipient not done past the deadline."""
    now = now or timezone.now()
    commands = {
        c.step_id: c
        for c in Command.objects.filter(activation=activation).prefetch_related("recipients")
    }
    rows = []
    steps = activation.plan.steps.all().order_by("order")
    for step in steps:
        command = commands.get(step.pk)
        recipients = []
        if command is not None:
            for r in command.recipients.all():
                recipients.append(
                    {
                        "recipient": r,
                        "late": r.state != RecipientState.DONE
                        and (r.overdue or command.deadline < now),
                    }
                )
        rows.append({"step": step, "command": command, "recipients": recipients})
    # Commands whose step was removed from the plan since (a later version).
    for step_id, command in commands.items():
        if step_id is None or step_id not in {s.pk for s in steps}:
            rows.append(
                {
                    "step": None,
                    "command": command,
                    "recipients": [
                        {"recipient": r, "late": r.state != "done" and command.deadline < now}
                        for r in command.recipients.all()
                    ],
                }
            )
    return rows
