"""Every write of the assessment app: indicator systems, rules (each change a new version),
schemes and their states, hand-filed scores and their review. Each write checks its
action, writes its audit record and is all-or-nothing (bad input names the row or node)."""

from __future__ import annotations

import calendar
import math
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.evidence import evidence_check, evidence_store
from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record
from governance.errors import Conflict
from governance.figures import FIGURES
from governance.roles import Action

from .models import (
    EntryEvidence,
    Indicator,
    IndicatorSystem,
    ManualEntry,
    Rule,
    RuleVersion,
    Scheme,
)
from .objects import scheme_objects
from .rules import rule_check

MAX_DEPTH = 3
WEIGHT_TOLERANCE = 0.01
# Figures whose every input cell is keyed by the holding department: the only ones that
# mean something for one department (docs/cockpit.md, "Rollups").
DEPARTMENT_FIGURES = frozenset(
    {"events.overdue", "events.near_due", "events.closed", "events.on_time_rate"}
)


def _require_configure(actor) -> None:
    require(
        actor,
        WHOLE_PROVINCE,
        Action.CONFIGURE,
        message=_("只有省级管理员可以配置指标体系和评分规则。"),
    )


def _text(value, label, *, max_length=100) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise ValidationError(_("请填写%(f)s。") % {"f": label}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("%(f)s不能超过 %(n)d 个字。") % {"f": label, "n": max_length}, code="too_long"
        )
    return value


# -- rules --------------------------------------------------------------------------------


@transaction.atomic
def rule_create(*, actor, name, kind, params) -> Rule:
    _require_configure(actor)
    name = _text(name, _("规则名称"))
    params = rule_check(kind, params)
    if Rule.objects.filter(name=name).exists():
        raise ValidationError(_("已有同名规则。"), code="duplicate")
    rule = Rule.objects.create(name=name, kind=kind)
    rule.version = RuleVersion.objects.create(rule=rule, number=1, params=params, created_by=actor)
    rule.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="assessment.rule_create",
        obj=rule,
        changes={"name": [None, name], "kind": [None, kind], "params": [None, params]},
    )
    return rule


@transaction.atomic
def rule_update(*, actor, rule: Rule, params) -> Rule:
    """A change of parameters is a new version; scores keep the version they used."""
    _require_configure(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    params = rule_check(rule.kind, params)
    for node in Indicator.objects.filter(rule=rule):
        _rule_fits(rule.kind, params, node.full_marks, node.code)
    old = rule.version.params if rule.version else None
    if params == old:
        return rule
    number = (rule.version.number if rule.version else 0) + 1
    rule.version = RuleVersion.objects.create(
        rule=rule, number=number, params=params, created_by=actor
    )
    rule.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="assessment.rule_update",
        obj=rule,
        changes={"params": [old, params], "version": [number - 1, number]},
    )
    return rule


def _rule_fits(kind, params, full_marks, code) -> None:
    try:
        rule_check(kind, params, full_marks=full_marks)
    except ValidationError as exc:
        raise ValidationError(
            [_("指标 %(c)s:%(m)s") % {"c": code, "m": m} for m in exc.messages],
            code="invalid_rule",
        ) from None


# -- indicator systems -----------------------------------------------------------------------


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def tree_check(rows, *, total_marks: float, first_row: int = 1) -> list[dict]:
    """The nodes of an indicator tree from flat rows {code, name, parent, weight, kind,
    source, figure, rule}, each with its level and full marks, parents before children;
    ValidationError naming every bad row or node otherwise (rows numbered from
    `first_row`: 2 for a file under its header row)."""
    if not isinstance(rows, list) or not rows:
        raise ValidationError(_("指标体系至少需要一个指标。"), code="empty")
    errors: list[str] = []
    nodes: dict[str, dict] = {}
    order: list[str] = []
    rules = {r.name: r for r in Rule.objects.select_related("version")}
    for i, row in enumerate(rows, start=first_row):
        where = _("第 %(n)d 行") % {"n": i}
        if not isinstance(row, dict):
            errors.append(_("%(w)s格式不对。") % {"w": where})
            continue
        code = str(row.get("code") or "").strip()
        if not code or len(code) > 32:
            errors.append(_("%(w)s:指标编码必填,不超过 32 个字符。") % {"w": where})
            continue
        where = _("第 %(n)d 行(%(c)s)") % {"n": i, "c": code}
        if code in nodes:
            errors.append(_("%(w)s:指标编码重复。") % {"w": where})
            continue
        name = str(row.get("name") or "").strip()
        if not name or len(name) > 100:
            errors.append(_("%(w)s:指标名称必填,不超过 100 个字。") % {"w": where})
        weight = _number(row.get("weight"))
        if weight is None or weight < 0 or weight > 100:
            errors.append(_("%(w)s:权重必须是 0 到 100 之间的数字。") % {"w": where})
            weight = 0.0
        node = {
            "code": code,
            "name": name,
            "parent": str(row.get("parent") or "").strip(),
            "weight": weight,
            "kind": row.get("kind") or "",
            "source": row.get("source") or "",
            "figure": row.get("figure") or "",
            "rule": row.get("rule") or "",
            "where": where,
        }
        if node["kind"] and node["kind"] not in Indicator.Kind.values:
            errors.append(_("%(w)s:未知的指标类型“%(k)s”。") % {"w": where, "k": node["kind"]})
        if node["source"] and node["source"] not in Indicator.Source.values:
            errors.append(_("%(w)s:未知的数据来源“%(s)s”。") % {"w": where, "s": node["source"]})
        nodes[code] = node
        order.append(code)
    # Parents exist, no cycle, at most three levels.
    for code in order:
        node, seen, cur = nodes[code], {code}, nodes[code]
        depth = 1
        while cur["parent"]:
            parent = nodes.get(cur["parent"])
            if parent is None:
                errors.append(
                    _("%(w)s:上级指标“%(p)s”不存在。") % {"w": cur["where"], "p": cur["parent"]}
                )
                depth = None
                break
            if parent["code"] in seen:
                errors.append(
                    _("%(w)s:上级关系形成了循环(%(c)s)。")
                    % {"w": node["where"], "c": " → ".join([*seen, parent["code"]])}
                )
                depth = None
                break
            seen.add(parent["code"])
            cur, depth = parent, depth + 1
        node["level"] = depth
        if depth is not None and depth > MAX_DEPTH:
            errors.append(_("%(w)s:指标最多三级。") % {"w": node["where"]})
    if errors:
        raise ValidationError(errors, code="invalid_tree")
    children: dict[str, list[str]] = {c: [] for c in [""] + order}
    for code in order:
        children[nodes[code]["parent"]].append(code)
    # Siblings' weights add up to 100 (veto leaves weigh nothing and are left out).
    for parent, kids in children.items():
        weighed = [k for k in kids if not _is_veto(nodes[k], rules)]
        if not weighed:
            continue
        total = sum(nodes[k]["weight"] for k in weighed)
        if abs(total - 100) > WEIGHT_TOLERANCE:
            label = nodes[parent]["where"] if parent else _("一级指标")
            errors.append(
                _("%(w)s:下级指标的权重合计为 %(t)s,应为 100。")
                % {"w": label, "t": round(total, 4)}
            )
    # Full marks from the weights, top down; leaves need a source (and a rule).
    ordered: list[dict] = []

    def walk(parent: str, marks: float) -> None:
        for k in children[parent]:
            node = nodes[k]
            veto = _is_veto(node, rules)
            node["full_marks"] = 0.0 if veto else round(marks * node["weight"] / 100, 4)
            node["position"] = len(ordered)
            ordered.append(node)
            if children[k]:
                if node["source"] or node["rule"]:
                    errors.append(
                        _("%(w)s:有下级的指标由下级汇总,不能设数据来源或规则。")
                        % {"w": node["where"]}
                    )
                walk(k, node["full_marks"])
            else:
                _leaf_check(node, rules, errors)

    walk("", float(total_marks))
    if errors:
        raise ValidationError(errors, code="invalid_tree")
    return ordered


def _is_veto(node, rules) -> bool:
    rule = rules.get(node["rule"])
    return rule is not None and rule.kind == Rule.Kind.VETO


def _leaf_check(node, rules, errors) -> None:
    where = node["where"]
    if not node["source"]:
        errors.append(_("%(w)s:末级指标必须设数据来源。") % {"w": where})
        return
    if node["source"] == Indicator.Source.FIGURE:
        if node["figure"] not in FIGURES:
            errors.append(_("%(w)s:指标数据“%(f)s”不存在。") % {"w": where, "f": node["figure"]})
    elif node["figure"]:
        errors.append(_("%(w)s:只有自动指标才引用指标数据。") % {"w": where})
    if node["rule"]:
        rule = rules.get(node["rule"])
        if rule is None:
            errors.append(_("%(w)s:评分规则“%(r)s”不存在。") % {"w": where, "r": node["rule"]})
        else:
            try:
                rule_check(rule.kind, rule.version.params, full_marks=node["full_marks"])
            except ValidationError as exc:
                errors.extend(f"{where}:{m}" for m in exc.messages)
    elif node["source"] != Indicator.Source.MANUAL:
        errors.append(_("%(w)s:自动或导入的指标必须设评分规则。") % {"w": where})


@transaction.atomic
def indicator_system_create(
    *, actor, name, rows, total_marks=100, first_row: int = 1
) -> IndicatorSystem:
    _require_configure(actor)
    name = _text(name, _("指标体系名称"))
    total = _number(total_marks)
    if total is None or total <= 0:
        raise ValidationError(_("总分必须大于 0。"), code="invalid")
    nodes = tree_check(rows, total_marks=total, first_row=first_row)
    if IndicatorSystem.objects.filter(name=name).exists():
        raise ValidationError(_("已有同名指标体系。"), code="duplicate")
    system = IndicatorSystem.objects.create(name=name, total_marks=total, created_by=actor)
    rules = {r.name: r for r in Rule.objects.all()}
    saved: dict[str, Indicator] = {}
    for node in nodes:
        saved[node["code"]] = Indicator.objects.create(
            system=system,
            parent=saved.get(node["parent"]),
            code=node["code"],
            name=node["name"],
            level=node["level"],
            position=node["position"],
            weight=node["weight"],
            full_marks=node["full_marks"],
            kind=node["kind"],
            source=node["source"],
            figure=node["figure"],
            rule=rules.get(node["rule"]),
        )
    audit_record(
        actor=actor,
        action="assessment.system_create",
        obj=system,
        changes={"name": [None, name], "indicators": [None, len(nodes)]},
    )
    return system


# -- schemes ----------------------------------------------------------------------------


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    if kind == Scheme.Period.MONTH:
        first = start.replace(day=1)
        months = 1
    elif kind == Scheme.Period.QUARTER:
        first = start.replace(month=(start.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    elif kind == Scheme.Period.YEAR:
        first = start.replace(month=1, day=1)
        months = 12
    else:
        raise ValidationError(_("未知的考核周期:%(p)s") % {"p": kind}, code="invalid")
    last_month = first.month + months - 1
    year, month = first.year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    return first, date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def scheme_create(
    *,
    actor,
    name,
    system: IndicatorSystem,
    area,
    period_kind: str,
    period_start: date,
    object_kind: str = Scheme.ObjectKind.AREA,
    object_level: int | None = None,
    publish_ranking: bool = False,
) -> Scheme:
    require(actor, area, Action.CONFIGURE, message=_("只有本区域的管理员可以制定考核方案。"))
    name = _text(name, _("方案名称"))
    start, end = period_bounds(period_kind, period_start)
    if object_kind not in Scheme.ObjectKind.values:
        raise ValidationError(_("未知的考核对象类型。"), code="invalid")
    if object_kind == Scheme.ObjectKind.AREA:
        if not isinstance(object_level, int) or not area.level < object_level <= 6:
            raise ValidationError(
                _("对象层级必须低于考核区域(%(l)d 级)且不超过网格。") % {"l": area.level},
                code="invalid",
            )
    else:
        object_level = None
        wrong = [
            n.code
            for n in system.nodes.filter(source=Indicator.Source.FIGURE)
            if n.figure not in DEPARTMENT_FIGURES
        ]
        if wrong:
            raise ValidationError(
                _("指标 %(c)s 的数据不能按部门统计,不能用于部门考核。") % {"c": ", ".join(wrong)},
                code="invalid",
            )
    scheme = Scheme(
        name=name,
        system=system,
        area=area,
        area_path=area.path,
        object_kind=object_kind,
        object_level=object_level,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        publish_ranking=bool(publish_ranking),
        created_by=actor,
    )
    if not scheme_objects(scheme):
        raise ValidationError(
            _("方案“%(n)s”没有考核对象:%(a)s 下没有这一级的区域或部门。")
            % {"n": name, "a": area.name},
            code="no_objects",
        )
    scheme.save()
    audit_record(
        actor=actor,
        action="assessment.scheme_create",
        obj=scheme,
        area_path=area.path,
        changes={"name": [None, name], "period": [None, f"{start}–{end}"]},
    )
    return scheme


def _transition(actor, scheme: Scheme, frm: str, to: str, action: str) -> Scheme:
    require(actor, scheme.area, Action.CONFIGURE, message=_("只有本区域的管理员可以审核或发布。"))
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.state != frm:
        raise Conflict(
            _("方案当前为“%(s)s”,不能%(a)s。")
            % {"s": scheme.get_state_display(), "a": Scheme.State(to).label},
            code="invalid_state",
        )
    scheme.state = to
    scheme.save(update_fields=["state"])
    if to == Scheme.State.PUBLISHED:
        scheme.revisions.filter(number=scheme.revisions.order_by("-number")[0].number).update(
            published_at=timezone.now()
        )
    audit_record(
        actor=actor,
        action=action,
        obj=scheme,
        area_path=scheme.area_path,
        changes={"state": [frm, to]},
    )
    return scheme


@transaction.atomic
def scheme_review(*, actor, scheme: Scheme) -> Scheme:
    return _transition(
        actor, scheme, Scheme.State.COMPUTED, Scheme.State.REVIEWED, "assessment.scheme_review"
    )


@transaction.atomic
def scheme_publish(*, actor, scheme: Scheme) -> Scheme:
    """The latest revision is frozen from now on: computing again writes a new one."""
    return _transition(
        actor, scheme, Scheme.State.REVIEWED, Scheme.State.PUBLISHED, "assessment.scheme_publish"
    )


# -- hand-filed scores --------------------------------------------------------------------


def _entry_check(scheme: Scheme, indicator: Indicator, object_code: str, score, objects):
    if indicator.system_id != scheme.system_id or indicator.source not in (
        Indicator.Source.MANUAL,
        Indicator.Source.IMPORT,
    ):
        return _("指标 %(c)s 不是本方案的人工填报或导入指标。") % {"c": indicator.code}
    if object_code not in objects:
        return _("对象编码“%(o)s”不是本方案的考核对象。") % {"o": object_code}
    value = _number(score)
    if value is None or value < 0:
        return _("指标 %(c)s 的得分必须是不小于 0 的数字。") % {"c": indicator.code}
    if indicator.source == Indicator.Source.MANUAL and value > indicator.full_marks:
        return _("指标 %(c)s 的得分 %(s)s 超过应得分 %(f)s。") % {
            "c": indicator.code,
            "s": value,
            "f": indicator.full_marks,
        }
    return None


@transaction.atomic
def manual_entry_submit(
    *, actor, scheme: Scheme, indicator: Indicator, object_code: str, score, evidence, files=None
) -> ManualEntry:
    """Filed by the staff of the assessed area (or the scheme's administrators), with its
    evidence: a text, files (checked like an event's attachments), or both."""
    objects = {o.code: o for o in scheme_objects(scheme)}
    problem = _entry_check(scheme, indicator, object_code, score, objects)
    if problem:
        raise ValidationError(problem, code="invalid_entry")
    obj = objects[object_code]
    require(actor, obj.path, Action.CHANGE, message=_("您无权为该对象填报。"))
    if files and not (evidence or "").strip():
        evidence = ""
    else:
        evidence = _text(evidence, _("佐证材料"), max_length=4000)
    if scheme.state == Scheme.State.PUBLISHED:
        raise Conflict(_("方案已发布,不能再填报。"), code="invalid_state")
    checked = evidence_check(files)  # after the rights: an outsider learns nothing
    entry = ManualEntry.objects.create(
        scheme=scheme,
        indicator=indicator,
        object_code=object_code,
        object_path=obj.path,
        score=float(score),
        evidence=evidence,
        entered_by=actor,
    )
    audit_record(
        actor=actor,
        action="assessment.entry_submit",
        obj=entry,
        area_path=obj.path,
        changes={
            "indicator": [None, indicator.code],
            "score": [None, float(score)],
            "files": [None, len(checked)],
        },
    )
    # Last: nothing after the files are written can fail but the commit itself.
    evidence_store(EntryEvidence, actor=actor, checked=checked, entry=entry)
    return entry


@transaction.atomic
def manual_entry_review(*, actor, entry: ManualEntry, approve: bool, note: str = "") -> ManualEntry:
    entry = ManualEntry.objects.select_for_update().select_related("scheme").get(pk=entry.pk)
    require(
        actor,
        entry.scheme.area,
        Action.CONFIGURE,
        message=_("只有方案所在区域的管理员可以审核填报。"),
    )
    if entry.state != ManualEntry.State.SUBMITTED:
        raise Conflict(_("该填报已审核。"), code="invalid_state")
    if not approve:
        note = _text(note, _("退回理由"), max_length=300)
    entry.state = ManualEntry.State.APPROVED if approve else ManualEntry.State.REJECTED
    entry.reviewed_by, entry.reviewed_at, entry.review_note = actor, timezone.now(), note or ""
    entry.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        actor=actor,
        action="assessment.entry_review",
        obj=entry,
        area_path=entry.object_path,
        changes={"state": [ManualEntry.State.SUBMITTED, entry.state]},
    )
    return entry


@transaction.atomic
def scheme_compute_request(*, actor, scheme: Scheme) -> None:
    """Queue the computation (Celery, after commit); the request itself is audited."""
    from .tasks import compute_scheme_task

    require(actor, scheme.area, Action.CONFIGURE, message=_("只有本区域的管理员可以计算考核。"))
    audit_record(
        actor=actor, action="assessment.compute_request", obj=scheme, area_path=scheme.area_path
    )
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: compute_scheme_task.delay(scheme.pk, actor_id))


IMPORT_HEADERS = ("对象编码", "指标编码", "得分", "佐证材料")
MAX_IMPORT_ROWS = 20_000


@transaction.atomic
def entries_import(*, actor, scheme: Scheme, content: bytes) -> list[ManualEntry]:
    """A third party's results (survey scores…) from an XLSX sheet with the columns
    对象编码, 指标编码, 得分, 佐证材料: every row is checked first, and one bad row — an
    unknown object or indicator code, a score out of range — refuses the whole file,
    naming each bad row. Imported by the scheme's administrators, so approved at once."""
    from io import BytesIO

    from openpyxl import load_workbook

    require(actor, scheme.area, Action.CONFIGURE, message=_("只有本区域的管理员可以导入。"))
    if scheme.state == Scheme.State.PUBLISHED:
        raise Conflict(_("方案已发布,不能再导入。"), code="invalid_state")
    try:
        ws = load_workbook(BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 2))
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("文件不是有效的 XLSX 工作簿。"), code="invalid_file") from None
    header = tuple(str(c or "").strip() for c in (rows[0] if rows else ())[:4])
    if header != IMPORT_HEADERS:
        raise ValidationError(
            _("第 1 行应为表头:%(h)s。") % {"h": "、".join(IMPORT_HEADERS)}, code="invalid_file"
        )
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise ValidationError(
            _("一次最多导入 %(n)d 行。") % {"n": MAX_IMPORT_ROWS}, code="too_many_rows"
        )
    objects = {o.code: o for o in scheme_objects(scheme)}
    indicators = {i.code: i for i in scheme.system.nodes.all()}
    errors, entries, now = [], [], timezone.now()
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[:4]) + [None] * (4 - len(row[:4]))
        if all(c in (None, "") for c in cells):
            continue
        object_code, indicator_code = str(cells[0] or "").strip(), str(cells[1] or "").strip()
        indicator = indicators.get(indicator_code)
        if indicator is None:
            errors.append(
                _("第 %(n)d 行:指标编码“%(c)s”不存在。") % {"n": number, "c": indicator_code}
            )
            continue
        problem = _entry_check(scheme, indicator, object_code, cells[2], objects)
        if problem:
            errors.append(_("第 %(n)d 行:%(p)s") % {"n": number, "p": problem})
            continue
        entries.append(
            ManualEntry(
                scheme=scheme,
                indicator=indicator,
                object_code=object_code,
                object_path=objects[object_code].path,
                score=float(cells[2]),
                evidence=str(cells[3] or _("第三方导入"))[:4000],
                state=ManualEntry.State.APPROVED,
                entered_by=actor,
                reviewed_by=actor,
                reviewed_at=now,
            )
        )
    if errors:
        raise ValidationError(errors, code="invalid_rows")
    if not entries:
        raise ValidationError(_("文件中没有数据行。"), code="empty")
    entries = ManualEntry.objects.bulk_create(entries)
    audit_record(
        actor=actor,
        action="assessment.entries_import",
        obj=scheme,
        area_path=scheme.area_path,
        changes={"entries": [None, len(entries)]},
    )
    return entries
