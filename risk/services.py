"""Every write of the risk app: rules (each change a new version) and the warning
lifecycle — issued → acknowledged (签收) → handled (处置) → released (解除), or escalated
to the next level up when its colour's time limit passes."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.evidence import evidence_check, evidence_store
from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record
from governance.errors import Conflict
from governance.figures import figures_count, figures_retract
from governance.models import RoleAssignment
from governance.notifications import Text, notify
from governance.roles import UNIT_ROLES, Action

from .actions import WARNING_HANDLE
from .definitions import clean_definition
from .figures import FIGURE_SOURCE  # noqa: E402
from .models import KEY_BY_COLOUR, Rule, RuleVersion, Warning, WarningEvidence, WarningLog

MAX_NOTE = 2000
# Files handed in with one 处置 step (each checked like an event's attachment).


def _require_configure(actor) -> None:
    require(actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以配置预警规则。"))


def _name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError(_("请填写规则名称。"), code="required")
    if len(name) > 100:
        raise ValidationError(_("规则名称不能超过 100 个字。"), code="too_long")
    return name


@transaction.atomic
def rule_create(*, actor, name, subject_kind, definition, active: bool = True) -> Rule:
    _require_configure(actor)
    name = _name(name)
    definition = clean_definition(subject_kind, definition)
    if Rule.objects.filter(name=name).exists():
        raise ValidationError(_("已有同名规则。"), code="duplicate")
    rule = Rule.objects.create(name=name, subject_kind=subject_kind, active=bool(active))
    version = RuleVersion.objects.create(
        rule=rule, number=1, definition=definition, created_by=actor
    )
    rule.version = version
    rule.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="risk.rule_create",
        obj=rule,
        changes={"name": [None, name], "subject_kind": [None, subject_kind], "version": [None, 1]},
    )
    return rule


@transaction.atomic
def rule_update(*, actor, rule: Rule, name=None, definition=None, active=None) -> Rule:
    """A changed definition is a new version; warnings keep the version that raised them."""
    _require_configure(actor)
    rule = Rule.objects.select_for_update(of=("self",)).select_related("version").get(pk=rule.pk)
    changes = {}
    if name is not None:
        name = _name(name)
        if name != rule.name:
            if Rule.objects.filter(name=name).exclude(pk=rule.pk).exists():
                raise ValidationError(_("已有同名规则。"), code="duplicate")
            changes["name"] = [rule.name, name]
            rule.name = name
    if active is not None and bool(active) != rule.active:
        changes["active"] = [rule.active, bool(active)]
        rule.active = bool(active)
    if definition is not None:
        definition = clean_definition(rule.subject_kind, definition)
        if definition != rule.version.definition:
            number = rule.version.number + 1
            rule.version = RuleVersion.objects.create(
                rule=rule, number=number, definition=definition, created_by=actor
            )
            changes["version"] = [number - 1, number]
    if changes:
        rule.save()
        audit_record(actor=actor, action="risk.rule_update", obj=rule, changes=changes)
    return rule


# -- the lifecycle ------------------------------------------------------------------------


def _unit_users(unit_paths):
    return [
        ra.user
        for ra in RoleAssignment.objects.filter(
            area__path__in=list(unit_paths), role__in=UNIT_ROLES, user__is_active=True
        ).select_related("user")
    ]


def _notify_unit(warnings, title: Text) -> None:
    by_unit: dict[str, list[Warning]] = {}
    for w in warnings:
        by_unit.setdefault(w.unit_path, []).append(w)
    for unit_path, items in by_unit.items():
        users = _unit_users([unit_path])
        if not users:
            continue
        first = items[0]
        body = "、".join(f"{w.subject_label}({w.get_colour_display()})" for w in items[:5])
        if len(items) > 5:
            body += _(" 等 %(n)s 条") % {"n": len(items)}
        notify(
            users=users,
            kind="risk.warning",
            title=title,
            body=body,
            url=first.get_absolute_url() if len(items) == 1 else "/warnings/",
        )


def warnings_after_evaluation(*, rule: Rule, result) -> None:
    """In the evaluation's transaction: the notifications of the new warnings, one per
    responsible unit (the rollup cells are kept by the evaluation itself)."""
    if result.new_ids:
        _notify_unit(
            Warning.objects.filter(pk__in=result.new_ids), Text(gettext_lazy("新的风险预警"))
        )


def _lock(warning: Warning) -> Warning:
    return Warning.objects.select_for_update().get(pk=warning.pk)


def _log(warning: Warning, kind: str, actor, note: str = "", colour_from=None) -> None:
    WarningLog.objects.create(
        warning=warning,
        kind=kind,
        colour_from=colour_from,
        colour_to=warning.colour,
        score=warning.score,
        actor=actor,
        note=note,
        at=timezone.now(),
    )


def _step(*, actor, warning: Warning, allowed: tuple[str, ...], to: str, kind: str, note=""):
    require(actor, warning.unit_path, WARNING_HANDLE, message=_("您不是该预警的责任单位。"))
    warning = _lock(warning)
    if warning.status not in allowed:
        raise Conflict(
            _("预警当前状态为“%(s)s”,不能执行该操作。") % {"s": warning.get_status_display()},
            code="invalid_state",
        )
    before = warning.status
    now = timezone.now()
    figures_retract(FIGURE_SOURCE, [warning.pk])
    warning.status = to
    warning.updated_at = now
    if to == Warning.Status.RELEASED:
        warning.closed_at = now
    return warning, before, now


def _finish(*, actor, warning: Warning, before: str, kind: str, note: str, changes=None):
    warning.save()
    figures_count(FIGURE_SOURCE, [warning.pk])
    _log(warning, kind, actor, note)
    audit_record(
        actor=actor,
        action=f"risk.warning_{kind}",
        obj=warning,
        area_path=warning.area_path,
        changes={"status": [before, warning.status], **(changes or {})},
    )
    return warning


def _text(value, label: str, *, required: bool) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise ValidationError(_("请填写%(l)s。") % {"l": label}, code="required")
    if len(value) > MAX_NOTE:
        raise ValidationError(
            _("%(l)s不能超过 %(n)s 个字。") % {"l": label, "n": MAX_NOTE}, code="too_long"
        )
    return value


@transaction.atomic
def warning_acknowledge(*, actor, warning: Warning, note: str = "") -> Warning:
    note = _text(note, _("签收意见"), required=False)
    warning, before, _now = _step(
        actor=actor,
        warning=warning,
        allowed=(Warning.Status.ISSUED,),
        to=Warning.Status.ACKNOWLEDGED,
        kind="acknowledge",
    )
    return _finish(actor=actor, warning=warning, before=before, kind="acknowledge", note=note)


def _evidence_checked(files) -> list[tuple[object, str]]:
    """Every upload checked before anything is written; a bad file refuses the step."""
    return evidence_check(files)


def _evidence_store(*, warning: Warning, actor, checked) -> list[WarningEvidence]:
    return evidence_store(WarningEvidence, actor=actor, checked=checked, warning=warning)


@transaction.atomic
def warning_handle(
    *, actor, warning: Warning, note: str = "", evidence: str = "", files=None
) -> Warning:
    """处置: a note (required), evidence as text and/or files (images, PDF, audio, video)."""
    note = _text(note, _("处置情况"), required=True)
    evidence = _text(evidence, _("佐证材料"), required=False)
    warning, before, _now = _step(
        actor=actor,
        warning=warning,
        allowed=(Warning.Status.ISSUED, Warning.Status.ACKNOWLEDGED),
        to=Warning.Status.HANDLED,
        kind="handle",
    )
    checked = _evidence_checked(files)  # after the rights: an outsider learns nothing
    warning.note, warning.evidence = note, evidence
    warning = _finish(
        actor=actor,
        warning=warning,
        before=before,
        kind="handle",
        note=note,
        changes={"evidence": [None, bool(evidence)], "files": [None, len(checked)]},
    )
    # Last: nothing after the files are written can fail but the commit itself.
    _evidence_store(warning=warning, actor=actor, checked=checked)
    return warning


@transaction.atomic
def warning_release(*, actor, warning: Warning, note: str = "") -> Warning:
    note = _text(note, _("解除理由"), required=True)
    warning, before, _now = _step(
        actor=actor,
        warning=warning,
        allowed=Warning.OPEN,
        to=Warning.Status.RELEASED,
        kind="release",
    )
    return _finish(actor=actor, warning=warning, before=before, kind="release", note=note)


@transaction.atomic
def warnings_escalate_overdue(*, now=None) -> int:
    """Open, not yet handled warnings past their colour's time limit go to the unit one
    level up (the province is the top), with a new time limit; returns how many moved.
    The system's own step (actor None), audited and notified like the others."""
    now = now or timezone.now()
    overdue = list(
        Warning.objects.select_for_update(skip_locked=True)
        .select_related("version")
        .filter(
            status__in=[Warning.Status.ISSUED, Warning.Status.ACKNOWLEDGED],
            due_at__lt=now,
            unit_level__gt=1,
        )
    )
    for warning in overdue:
        before = warning.status
        old_unit = warning.unit_path
        warning.unit_level -= 1
        warning.unit_path = "/".join(old_unit.rstrip("/").split("/")[: warning.unit_level]) + "/"
        warning.escalations += 1
        hours = warning.version.definition["time_limits"][KEY_BY_COLOUR[warning.colour]]
        warning.due_at = now + timedelta(hours=hours)
        warning.status = Warning.Status.ISSUED  # the higher unit signs for it anew
        warning.updated_at = now
        warning.save()
        _log(warning, "escalate", None, old_unit)
        audit_record(
            actor=None,
            action="risk.warning_escalate",
            obj=warning,
            area_path=warning.area_path,
            changes={"status": [before, warning.status], "unit": [old_unit, warning.unit_path]},
        )
    if overdue:
        # Still open, same grid and colour: the figures' cells do not change.
        _notify_unit(overdue, Text(gettext_lazy("风险预警超时未处置,已升级")))
    return len(overdue)
