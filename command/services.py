"""Every write of commands: issuing a command to people, units and departments inside the
issuer's jurisdiction; the recipients' 签收 (sign), 进展 (progress) and 反馈 (feedback,
done) with photos; reminders before the deadline and escalation after it (Celery beat).

Plans (command/plans.py) and positions (command/positions.py) have their own modules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.evidence import evidence_check, evidence_store
from governance.access import require
from governance.audit import audit_entry, audit_record, audit_records
from governance.errors import Conflict, NotFound
from governance.models import Department, RoleAssignment
from governance.notifications import Text, notify
from governance.roles import UNIT_ROLES, Action, Role
from governance.scoping import user_role_rows
from grids.models import Area

from .actions import COMMAND_ISSUE, COMMAND_RESPOND
from .models import (
    Command,
    CommandRecipient,
    CommandReport,
    Priority,
    RecipientState,
    ReportEvidence,
)

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_RECIPIENTS = 500
# A deadline must leave at least this much time, and lie within a year.
MIN_LEAD = datetime.timedelta(minutes=5)
MAX_LEAD = datetime.timedelta(days=366)


def _text(value, label, *, required: bool, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in value:
        raise ValidationError(_("%(l)s含有非法字符。") % {"l": label}, code="invalid")
    if required and not value:
        raise ValidationError(_("请填写%(l)s。") % {"l": label}, code="required")
    if len(value) > limit:
        raise ValidationError(
            _("%(l)s不能超过 %(n)s 个字。") % {"l": label, "n": limit}, code="too_long"
        )
    return value


def deadline_check(deadline, *, now=None) -> datetime.datetime:
    now = now or timezone.now()
    if not isinstance(deadline, datetime.datetime):
        raise ValidationError(_("请填写完成时限。"), code="required")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    if deadline < now + MIN_LEAD:
        raise ValidationError(
            _("完成时限不能早于当前时间(至少留出 5 分钟)。"), code="deadline_past"
        )
    if deadline > now + MAX_LEAD:
        raise ValidationError(_("完成时限不能超过一年。"), code="deadline_too_far")
    return deadline


# -- recipients --------------------------------------------------------------------------


@dataclass
class RecipientSpec:
    """Whom a command goes to: user ids, unit area codes, department ids, and/or the grid
    workers of an area (expanded to one recipient per person)."""

    users: list = field(default_factory=list)
    units: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    grid_workers_of: str | None = None

    def empty(self) -> bool:
        return not (self.users or self.units or self.departments or self.grid_workers_of)


def _outside() -> ValidationError:
    return ValidationError(
        _("接收对象不在您下达指令的范围内,请重新选择。"), code="recipient_outside_jurisdiction"
    )


def _ids(values, label) -> list[int]:
    out = []
    for v in values or []:
        try:
            n = int(v)
        except (TypeError, ValueError):
            raise ValidationError(_("%(l)s编号无效。") % {"l": label}, code="invalid") from None
        if n <= 0 or n > 2**62:
            raise ValidationError(_("%(l)s编号无效。") % {"l": label}, code="invalid")
        out.append(n)
    return list(dict.fromkeys(out))


def _codes(values) -> list[str]:
    out = []
    for v in values or []:
        v = str(v).strip()
        if not v.isdigit() or len(v) > 15:
            raise ValidationError(_("单位编码无效。"), code="invalid_area")
        out.append(v)
    return list(dict.fromkeys(out))


def recipients_resolve(*, area: Area, spec: RecipientSpec) -> list[CommandRecipient]:
    """Unsaved recipient rows, each inside `area`'s subtree; anything outside refuses the
    whole command (nothing named: an outsider learns nothing of who exists elsewhere)."""
    rows: list[CommandRecipient] = []
    inside = area.path
    user_ids = _ids(spec.users, _("接收人"))
    if spec.grid_workers_of:
        (code,) = _codes([spec.grid_workers_of])
        scope = Area.objects.filter(code=code).only("path").first()
        if scope is None or not scope.path.startswith(inside):
            raise _outside()
        workers = list(
            RoleAssignment.objects.filter(
                role=Role.GRID_WORKER, area__path__startswith=scope.path, user__is_active=True
            )
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()
        )
        if not workers:
            raise ValidationError(_("该区域没有网格员。"), code="no_recipients")
        user_ids = list(dict.fromkeys([*user_ids, *workers]))
    if user_ids:
        User = get_user_model()
        users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)}
        # Each person's unit inside the area: their deepest role held there.
        units: dict[int, str] = {}
        for uid, path in RoleAssignment.objects.filter(
            user_id__in=user_ids,
            role__in=[*UNIT_ROLES, Role.DEPARTMENT_HANDLER],
            area__path__startswith=inside,
        ).values_list("user_id", "area__path"):
            if len(path) > len(units.get(uid, "")):
                units[uid] = path
        for uid in user_ids:
            if uid not in users or uid not in units:
                raise _outside()
            u = users[uid]
            rows.append(
                CommandRecipient(user=u, label=u.full_name or u.username, area_path=units[uid])
            )
    for code in _codes(spec.units):
        unit = Area.objects.filter(code=code).only("path", "name", "code").first()
        if unit is None or not unit.path.startswith(inside):
            raise _outside()
        rows.append(CommandRecipient(unit=unit, label=unit.name, area_path=unit.path))
    for dept_id in _ids(spec.departments, _("部门")):
        dept = Department.objects.select_related("area").filter(pk=dept_id).first()
        if dept is None or not dept.area.path.startswith(inside):
            raise _outside()
        rows.append(CommandRecipient(department=dept, label=dept.name, area_path=dept.area.path))
    if not rows:
        raise ValidationError(_("请至少选择一个接收对象。"), code="no_recipients")
    if len(rows) > MAX_RECIPIENTS:
        raise ValidationError(
            _("接收对象最多 %(n)s 个。") % {"n": MAX_RECIPIENTS}, code="too_many_recipients"
        )
    return rows


def recipient_users(recipients) -> dict[int, list]:
    """recipient id → the active users who act for it (the person; the unit staff of the
    area; the department's handlers), in three queries for any number of rows."""
    User = get_user_model()
    out: dict[int, list] = {r.pk: [] for r in recipients}
    person = [r for r in recipients if r.user_id]
    if person:
        users = User.objects.in_bulk([r.user_id for r in person])
        for r in person:
            if r.user_id in users and users[r.user_id].is_active:
                out[r.pk].append(users[r.user_id])
    by_unit: dict[int, list] = {}
    units = [r for r in recipients if r.unit_id]
    if units:
        for ra in RoleAssignment.objects.filter(
            area_id__in={r.unit_id for r in units}, role__in=UNIT_ROLES, user__is_active=True
        ).select_related("user"):
            by_unit.setdefault(ra.area_id, []).append(ra.user)
        for r in units:
            out[r.pk] = by_unit.get(r.unit_id, [])
    by_dept: dict[int, list] = {}
    depts = [r for r in recipients if r.department_id]
    if depts:
        for ra in RoleAssignment.objects.filter(
            department_id__in={r.department_id for r in depts},
            role=Role.DEPARTMENT_HANDLER,
            user__is_active=True,
        ).select_related("user"):
            by_dept.setdefault(ra.department_id, []).append(ra.user)
        for r in depts:
            out[r.pk] = by_dept.get(r.department_id, [])
    return out


def recipient_q(user) -> Q:
    """The recipient rows `user` acts for."""
    rows = user_role_rows(user)
    units = [area_id for role, area_id, _p, _d in rows if role in UNIT_ROLES]
    depts = [d for role, _a, _p, d in rows if role == Role.DEPARTMENT_HANDLER and d]
    q = Q(user_id=user.pk) if getattr(user, "pk", None) else Q(pk__in=[])
    if units:
        q |= Q(unit_id__in=units)
    if depts:
        q |= Q(department_id__in=depts)
    return q


# -- issuing -----------------------------------------------------------------------------


def _scoped_link(actor, model, obj):
    """An event or warning tied to a command must be one the issuer may see."""
    if obj is None or actor is None:
        return obj
    if not model.objects.restrict(actor, Action.VIEW).filter(pk=obj.pk).exists():
        raise NotFound(_("关联的事件或预警不存在或不在您的管辖范围内。"))
    return obj


@transaction.atomic
def command_issue(
    *,
    actor,
    area: Area,
    title,
    body="",
    priority=Priority.NORMAL,
    deadline,
    recipients: RecipientSpec,
    event=None,
    warning=None,
    remind_minutes: int = 120,
    activation=None,
    step=None,
    now=None,
) -> Command:
    require(actor, area, COMMAND_ISSUE, message=_("您无权在该范围内下达指令。"))
    title = _text(title, _("指令标题"), required=True, limit=MAX_TITLE)
    body = _text(body, _("指令内容"), required=False)
    if priority not in Priority.values:
        raise ValidationError(_("优先级无效。"), code="invalid_priority")
    deadline = deadline_check(deadline, now=now)
    try:
        remind_minutes = int(remind_minutes)
    except (TypeError, ValueError):
        remind_minutes = -1
    if not 0 <= remind_minutes <= 7 * 24 * 60:
        raise ValidationError(_("提前提醒时间无效(0 至 10080 分钟)。"), code="invalid_remind")
    from events.models import Event
    from risk.models import Warning

    event = _scoped_link(actor, Event, event)
    warning = _scoped_link(actor, Warning, warning)
    rows = recipients_resolve(area=area, spec=recipients)
    command = Command.objects.create(
        issuer=actor if getattr(actor, "is_authenticated", False) else None,
        area=area,
        area_path=area.path,
        title=title,
        body=body,
        priority=priority,
        deadline=deadline,
        remind_minutes=remind_minutes,
        event=event,
        warning=warning,
        activation=activation,
        step=step,
    )
    for r in rows:
        r.command = command
    rows = CommandRecipient.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="command.issue",
        obj=command,
        area_path=command.area_path,
        changes={
            "title": [None, title],
            "priority": [None, priority],
            "deadline": [None, deadline.isoformat()],
            "recipients": [None, [r.label for r in rows]],
            "event": [None, event.number if event else None],
            "warning": [None, warning.pk if warning else None],
        },
    )
    users = [u for us in recipient_users(rows).values() for u in us]
    if users:
        notify(
            users=users,
            kind="command.issued",
            title=Text(gettext_lazy("新指令:%(t)s"), t=title),
            body=Text(
                gettext_lazy("完成时限 %(d)s"),
                d=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            ),
            url=command.get_absolute_url(),
        )
    return command


# -- the recipients' steps ---------------------------------------------------------------


def recipient_for(*, actor, command: Command, recipient_id=None) -> CommandRecipient:
    """The recipient row of `command` the actor answers for (locked); NotFound when the
    actor is not among its recipients."""
    qs = CommandRecipient.objects.select_for_update().filter(command=command)
    qs = qs.filter(recipient_q(actor))
    if recipient_id not in (None, ""):
        try:
            qs = qs.filter(pk=int(recipient_id))
        except (TypeError, ValueError):
            raise NotFound(_("您不是该指令的接收对象。")) from None
    row = qs.order_by("id").first()
    if row is None:
        raise NotFound(_("您不是该指令的接收对象。"))
    return row


def _respond_check(actor, command: Command, row: CommandRecipient) -> None:
    require(actor, row.area_path, COMMAND_RESPOND, message=_("您不是该指令的接收对象。"))
    if command.status != Command.Status.OPEN:
        raise Conflict(_("该指令已结束,不能再反馈。"), code="command_closed")


def _report(row, kind, actor, note, files_checked) -> CommandReport:
    report = CommandReport.objects.create(recipient=row, kind=kind, note=note, author=actor)
    if files_checked:
        evidence_store(ReportEvidence, actor=actor, checked=files_checked, report=report)
    return report


def _audit_step(actor, command, row, kind, before, files=0, note=""):
    audit_record(
        actor=actor,
        action=f"command.{kind}",
        obj=command,
        area_path=command.area_path,
        changes={
            "recipient": [None, row.label],
            "state": [before, row.state],
            "files": [None, files],
            "note": [None, bool(note)],
        },
    )


def _notify_issuer(command, row, title):
    if command.issuer_id and command.issuer.is_active:
        notify(
            users=[command.issuer],
            kind="command.progress",
            title=Text(title, r=row.label, t=command.title),
            url=command.get_absolute_url(),
        )


@transaction.atomic
def command_sign(*, actor, command: Command, recipient_id=None, note="") -> CommandRecipient:
    note = _text(note, _("签收意见"), required=False)
    row = recipient_for(actor=actor, command=command, recipient_id=recipient_id)
    _respond_check(actor, command, row)
    if row.state != RecipientState.DELIVERED:
        raise Conflict(_("该指令已签收。"), code="already_signed")
    before = row.state
    row.state = RecipientState.SIGNED
    row.signed_at = timezone.now()
    row.signed_by = actor
    row.save(update_fields=["state", "signed_at", "signed_by"])
    _report(row, CommandReport.Kind.SIGN, actor, note, [])
    _audit_step(actor, command, row, "sign", before, note=note)
    _notify_issuer(command, row, gettext_lazy("%(r)s 已签收指令“%(t)s”"))
    return row


def _sign_implicitly(row, actor, now):
    if row.state == RecipientState.DELIVERED:
        row.signed_at = now
        row.signed_by = actor


@transaction.atomic
def command_progress(
    *, actor, command: Command, note, files=None, recipient_id=None
) -> CommandRecipient:
    """进展: a note (required) and photos; signs the command if not yet signed."""
    note = _text(note, _("进展情况"), required=True)
    row = recipient_for(actor=actor, command=command, recipient_id=recipient_id)
    _respond_check(actor, command, row)
    if row.state == RecipientState.DONE:
        raise Conflict(_("该指令已完成反馈。"), code="already_done")
    checked = evidence_check(files)  # after the rights: an outsider learns nothing
    before = row.state
    _sign_implicitly(row, actor, timezone.now())
    row.state = RecipientState.IN_PROGRESS
    row.save(update_fields=["state", "signed_at", "signed_by"])
    _audit_step(actor, command, row, "progress", before, files=len(checked), note=note)
    _report(row, CommandReport.Kind.PROGRESS, actor, note, checked)
    return row


@transaction.atomic
def command_feedback(
    *, actor, command: Command, note, files=None, recipient_id=None
) -> CommandRecipient:
    """反馈: the final result (required) with photos; the recipient is done. When every
    recipient is done, the command is."""
    note = _text(note, _("反馈内容"), required=True)
    row = recipient_for(actor=actor, command=command, recipient_id=recipient_id)
    _respond_check(actor, command, row)
    if row.state == RecipientState.DONE:
        raise Conflict(_("该指令已完成反馈。"), code="already_done")
    checked = evidence_check(files)
    before = row.state
    now = timezone.now()
    _sign_implicitly(row, actor, now)
    row.state = RecipientState.DONE
    row.done_at = now
    row.feedback = note
    row.save(update_fields=["state", "signed_at", "signed_by", "done_at", "feedback"])
    _audit_step(actor, command, row, "feedback", before, files=len(checked), note=note)
    locked = Command.objects.select_for_update().get(pk=command.pk)
    if not locked.recipients.exclude(state=RecipientState.DONE).exists():
        locked.status = Command.Status.DONE
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="command.complete",
            obj=locked,
            area_path=locked.area_path,
            changes={"status": [Command.Status.OPEN, Command.Status.DONE]},
        )
    _report(row, CommandReport.Kind.FEEDBACK, actor, note, checked)
    _notify_issuer(command, row, gettext_lazy("%(r)s 已完成指令“%(t)s”"))
    return row


# -- reminders and escalation (Celery beat) ----------------------------------------------


def _supervisors(paths) -> dict[str, list]:
    """The unit staff one level above each recipient's area (their supervisors)."""
    parents = {p: "/".join(p.rstrip("/").split("/")[:-1]) + "/" for p in paths}
    out: dict[str, list] = {}
    for ra in RoleAssignment.objects.filter(
        area__path__in=[p for p in set(parents.values()) if p != "/"],
        role__in=UNIT_ROLES,
        user__is_active=True,
    ).select_related("user", "area"):
        out.setdefault(ra.area.path, []).append(ra.user)
    return {p: out.get(parent, []) for p, parent in parents.items()}


@transaction.atomic
def commands_remind_and_escalate(*, now=None) -> dict[str, int]:
    """Recipients not done whose deadline is near get one reminder; those past it are
    marked overdue once, and the issuer and the recipient's supervisors are told.

    Idempotent and set-based: each row is claimed by one UPDATE of the rows still without
    `reminded_at` / `overdue`, so a second run (or a concurrent worker, `skip_locked`)
    finds nothing to do."""
    now = now or timezone.now()
    open_rows = CommandRecipient.objects.exclude(state=RecipientState.DONE).filter(
        command__status=Command.Status.OPEN
    )
    remind_ids = list(
        open_rows.select_for_update(skip_locked=True, of=("self",))
        .filter(
            reminded_at__isnull=True,
            overdue=False,
            command__deadline__gt=now,
            command__deadline__lte=now
            + F("command__remind_minutes") * datetime.timedelta(minutes=1),
        )
        .values_list("pk", flat=True)
    )
    escalate_ids = list(
        open_rows.select_for_update(skip_locked=True, of=("self",))
        .filter(overdue=False, command__deadline__lte=now)
        .values_list("pk", flat=True)
    )
    CommandRecipient.objects.filter(pk__in=remind_ids).update(reminded_at=now)
    CommandRecipient.objects.filter(pk__in=escalate_ids).update(overdue=True, escalated_at=now)
    reminded = list(CommandRecipient.objects.filter(pk__in=remind_ids).select_related("command"))
    escalated = list(
        CommandRecipient.objects.filter(pk__in=escalate_ids).select_related("command__issuer")
    )
    entries = []
    if reminded:
        users = recipient_users(reminded)
        for r in reminded:
            if users[r.pk]:
                notify(
                    users=users[r.pk],
                    kind="command.remind",
                    title=Text(gettext_lazy("指令即将到期:%(t)s"), t=r.command.title),
                    body=Text(
                        gettext_lazy("完成时限 %(d)s"),
                        d=timezone.localtime(r.command.deadline).strftime("%Y-%m-%d %H:%M"),
                    ),
                    url=r.command.get_absolute_url(),
                )
            entries.append(
                audit_entry(
                    actor=None,
                    action="command.remind",
                    obj=r.command,
                    area_path=r.command.area_path,
                    changes={"recipient": [None, r.label]},
                )
            )
    if escalated:
        users = recipient_users(escalated)
        supervisors = _supervisors({r.area_path for r in escalated})
        for r in escalated:
            told = list(users[r.pk]) + supervisors.get(r.area_path, [])
            if r.command.issuer_id and r.command.issuer.is_active:
                told.append(r.command.issuer)
            if told:
                notify(
                    users=told,
                    kind="command.overdue",
                    title=Text(
                        gettext_lazy("指令已超期:%(t)s(%(r)s)"), t=r.command.title, r=r.label
                    ),
                    url=r.command.get_absolute_url(),
                )
            entries.append(
                audit_entry(
                    actor=None,
                    action="command.escalate",
                    obj=r.command,
                    area_path=r.command.area_path,
                    changes={"recipient": [None, r.label], "overdue": [False, True]},
                )
            )
    if entries:
        audit_records(entries)
    return {"reminded": len(reminded), "escalated": len(escalated)}
