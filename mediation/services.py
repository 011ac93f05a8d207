"""Every write on disputes: intake (window clerk, from an event, from a visit), the
mediation code (rules on every step, by hand only with a reason), assignment, sessions,
the outcomes (agreement with its DOCX/PDF, referral on failure, withdrawal), follow-up
visits (a broken agreement reopens the dispute) and the parties' rating from the public
page. Each write checks `require`, writes its audit row and an outbox message, and keeps
the rollups (retract before, count after)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collection.models import Organisation, Person, Visit
from collection.validators import validate_id_number, validate_mobile
from events.models import Event
from governance.access import WHOLE_PROVINCE, require
from governance.audit import audit_record
from governance.crypto import blind_index
from governance.errors import Conflict, NotFound
from governance.figures import figures_count, figures_retract
from governance.outbox import outbox_emit
from governance.roles import Action
from governance.scoping import path_in_jurisdiction

from .actions import DISPUTE_HANDLE
from .documents import agreement_files_write
from .figures import FIGURE_SOURCE
from .models import (
    OPEN_STATUSES,
    PARTY_ID_CONTEXT,
    Agreement,
    Code,
    CodeChange,
    CodeRule,
    Dispute,
    DisputeSource,
    DisputeType,
    FollowUp,
    MediationLink,
    MediationOrg,
    Party,
    Referral,
    RiskFlag,
    Session,
    Status,
)

MAX_TEXT = 4000
DEADLINE_DAYS = 30  # 人民调解法: mediation is concluded within 30 days as a rule
FOLLOW_UP_DAYS = 30


def _text(value, label, *, required: bool, limit: int = MAX_TEXT) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise ValidationError(_("请填写%(l)s。") % {"l": label}, code="required")
    if len(value) > limit:
        raise ValidationError(
            _("%(l)s不能超过 %(n)s 个字。") % {"l": label, "n": limit}, code="too_long"
        )
    return value


def _require(actor, target) -> None:
    require(actor, target, DISPUTE_HANDLE, message=_("您无权处理该矛盾纠纷(不在管辖范围内)。"))


def _emit(dispute: Dispute, step: str) -> None:
    outbox_emit(
        topic=f"mediation.dispute.{step}",
        payload={
            "id": dispute.pk,
            "number": dispute.number,
            "status": dispute.status,
            "code": dispute.code_key,
        },
        area_path=dispute.area_path,
    )


def _audit(actor, dispute: Dispute, step: str, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=f"mediation.dispute_{step}",
        obj=dispute,
        area_path=dispute.area_path,
        changes=changes,
    )


def _lock(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).get(pk=dispute.pk)


# -- the mediation code ---------------------------------------------------------------------


def code_by_rules(dispute: Dispute, *, parties: int | None = None) -> int:
    """The highest colour among the active rules that match (green when none does)."""
    if parties is None:
        parties = dispute.parties.count()
    best = Code.GREEN
    for rule in CodeRule.objects.filter(active=True):
        if rule.types and dispute.type not in rule.types:
            continue
        if rule.min_amount is not None and dispute.amount < rule.min_amount:
            continue
        if rule.max_amount is not None and dispute.amount >= rule.max_amount:
            continue
        if rule.min_people is not None and dispute.people_count < rule.min_people:
            continue
        if rule.min_parties is not None and parties < rule.min_parties:
            continue
        if rule.flags and not set(rule.flags) & set(dispute.flags):
            continue
        best = max(best, rule.code)
    return int(best)


def _recode(dispute: Dispute, *, actor, step: str, parties: int | None = None) -> None:
    """Re-evaluate the code (a hand-set code wins); record and audit a change."""
    new = dispute.code_override or code_by_rules(dispute, parties=parties)
    if new != dispute.code:
        CodeChange.objects.create(
            dispute=dispute,
            code_from=dispute.code,
            code_to=new,
            step=step,
            actor=actor,
            at=timezone.now(),
        )
        dispute.code = new


@transaction.atomic
def dispute_code_change(*, actor, dispute: Dispute, code, reason) -> Dispute:
    """A hand-set code, only with a reason; `code=None` gives the code back to the rules."""
    _require(actor, dispute)
    reason = _text(reason, _("变更理由"), required=True, limit=500)
    if code is not None:
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = 0
        if code not in Code.values:
            raise ValidationError(_("调解码应为 1(绿)到 5(红)。"), code="invalid_code")
    dispute = _lock(dispute)
    figures_retract(FIGURE_SOURCE, [dispute.pk])
    before = dispute.code
    dispute.code_override = code
    dispute.code = code or code_by_rules(dispute)
    dispute.save()
    CodeChange.objects.create(
        dispute=dispute,
        code_from=before,
        code_to=dispute.code,
        manual=True,
        reason=reason,
        step="manual",
        actor=actor,
        at=timezone.now(),
    )
    figures_count(FIGURE_SOURCE, [dispute.pk])
    _audit(actor, dispute, "code_change", {"code": [before, dispute.code], "reason": reason})
    _emit(dispute, "code_change")
    return dispute


# -- code rules (provincial settings) -------------------------------------------------------


def _rule_fields(data: dict) -> dict:
    out = {}
    if "name" in data:
        out["name"] = _text(data["name"], _("规则名称"), required=True, limit=100)
    if "code" in data:
        try:
            out["code"] = int(data["code"])
        except (TypeError, ValueError):
            out["code"] = 0
        if out["code"] not in Code.values:
            raise ValidationError(_("调解码应为 1(绿)到 5(红)。"), code="invalid_code")
    if "types" in data:
        types = list(data["types"] or [])
        if any(t not in DisputeType.values for t in types):
            raise ValidationError(_("未知的纠纷类型。"), code="invalid_type")
        out["types"] = types
    if "flags" in data:
        flags = list(data["flags"] or [])
        if any(f not in RiskFlag.values for f in flags):
            raise ValidationError(_("未知的风险标识。"), code="invalid_flag")
        out["flags"] = flags
    for key in ("min_people", "min_parties"):
        if key in data:
            value = data[key]
            if value in (None, ""):
                out[key] = None
            else:
                try:
                    out[key] = int(value)
                except (TypeError, ValueError):
                    out[key] = -1
                if not 0 <= out[key] <= 1_000_000:
                    raise ValidationError(_("人数应为非负整数。"), code="invalid_number")
    for key in ("min_amount", "max_amount"):
        if key in data:
            out[key] = None if data[key] in (None, "") else _amount(data[key])
    if "active" in data:
        out["active"] = bool(data["active"])
    return out


@transaction.atomic
def code_rule_save(*, actor, rule: CodeRule | None = None, data: dict) -> CodeRule:
    """Create (rule None) or change a code rule: the province administrator's."""
    require(
        actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以配置调解码规则。")
    )
    fields = _rule_fields(data)
    low = fields.get("min_amount", rule.min_amount if rule else None)
    high = fields.get("max_amount", rule.max_amount if rule else None)
    if low is not None and high is not None and high <= low:
        raise ValidationError(
            _("金额上限须高于金额下限(%(low)s 元)。") % {"low": low}, code="reversed_amounts"
        )
    if rule is None:
        if "name" not in fields or "code" not in fields:
            raise ValidationError(_("请填写规则名称和调解码。"), code="required")
        if CodeRule.objects.filter(name=fields["name"]).exists():
            raise ValidationError(_("已有同名规则。"), code="duplicate")
        rule = CodeRule.objects.create(**fields)
        changes = {k: [None, v] for k, v in fields.items()}
    else:
        rule = CodeRule.objects.select_for_update().get(pk=rule.pk)
        changes = {}
        for key, value in fields.items():
            if getattr(rule, key) != value:
                changes[key] = [getattr(rule, key), value]
                setattr(rule, key, value)
        rule.save()
    audit_record(actor=actor, action="mediation.code_rule_save", obj=rule, changes=changes)
    return rule


# -- intake ---------------------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("涉及金额应为数字。"), code="invalid_amount") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError(_("涉及金额应为 0 到 1 万亿元之间的数字。"), code="invalid_amount")
    return amount.quantize(Decimal("0.01"))


def _people_count(value) -> int:
    try:
        n = int(value if value not in (None, "") else 1)
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= 1_000_000:
        raise ValidationError(_("涉及人数应为正整数。"), code="invalid_people")
    return n


def id_index(number: str) -> str:
    return blind_index(number.strip().upper(), context=PARTY_ID_CONTEXT)


def _party(actor, raw: dict) -> Party:
    """One party from the form: a person of the base data (`person`: id, scoped), an
    organisation of the base data (`organisation`), or entered by hand."""
    if not isinstance(raw, dict):
        raise ValidationError(_("当事人信息格式不正确。"), code="invalid_party")
    role = raw.get("role") or Party.Role.APPLICANT
    if role not in Party.Role.values:
        raise ValidationError(_("未知的当事人角色。"), code="invalid_role")
    party = Party(role=role, kind=raw.get("kind") or Party.Kind.PERSON)
    if party.kind not in Party.Kind.values:
        raise ValidationError(_("未知的当事人类型。"), code="invalid_party")
    if raw.get("person"):
        person = Person.objects.restrict(actor).filter(pk=raw["person"]).first()
        if person is None:
            raise NotFound(_("找不到该人员。"))
        party.kind, party.person, party.name = Party.Kind.PERSON, person, person.name
        party.id_number, party.phone = person.id_number, person.phone or ""
    elif raw.get("organisation"):
        org = Organisation.objects.restrict(actor).filter(pk=raw["organisation"]).first()
        if org is None:
            raise NotFound(_("找不到该组织。"))
        party.kind, party.organisation, party.name = Party.Kind.ORGANISATION, org, org.name
    else:
        party.name = _text(raw.get("name"), _("当事人姓名"), required=True, limit=200)
        number = (raw.get("id_number") or "").strip()
        if number:
            party.id_number = validate_id_number(number).number
    phone = (raw.get("phone") or "").strip()
    if phone:
        party.phone = validate_mobile(phone)
    if party.id_number:
        party.id_number_index = id_index(party.id_number)
    return party


def _party_match(parties: list[Party]):
    """Disputes having one of these parties (same ID number, same base-data record or,
    for organisations entered by name, the same name)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for p in parties:
        if p.id_number_index:
            q |= Q(parties__id_number_index=p.id_number_index)
        elif p.organisation_id:
            q |= Q(parties__organisation_id=p.organisation_id)
        elif p.kind == Party.Kind.ORGANISATION:
            q |= Q(parties__kind=Party.Kind.ORGANISATION, parties__name=p.name)
    return Dispute.objects.filter(q).distinct()


def duplicates_find(*, actor, parties: list[Party]):
    """Open disputes of the same parties, as far as the actor may see them."""
    return _party_match(parties).filter(status__in=OPEN_STATUSES).restrict(actor)


def _flags(values) -> list[str]:
    flags = sorted(set(values or []))
    if any(f not in RiskFlag.values for f in flags):
        raise ValidationError(_("未知的风险标识。"), code="invalid_flag")
    return flags


@transaction.atomic
def dispute_register(
    *,
    actor,
    grid,
    title,
    type,
    parties: list[dict],
    description="",
    amount=0,
    people_count=1,
    flags=(),
    source=DisputeSource.INTAKE,
    event: Event | None = None,
    visit: Visit | None = None,
    allow_duplicate: bool = False,
    linked_department=None,
) -> Dispute:
    """One-stop intake. Refuses (Conflict `duplicate`) when the same parties have an
    open dispute, unless the clerk confirms (`allow_duplicate`); a dispute whose parties
    had an earlier one is marked `repeat`."""
    if grid is None or getattr(grid, "level", None) != 6:
        raise ValidationError(_("请选择纠纷发生的网格。"), code="required")
    _require(actor, grid)
    title = _text(title, _("纠纷概要"), required=True, limit=200)
    description = _text(description, _("纠纷详情"), required=False)
    if type not in DisputeType.values:
        raise ValidationError(_("请选择纠纷类型。"), code="invalid_type")
    if source not in DisputeSource.values:
        raise ValidationError(_("未知的纠纷来源。"), code="invalid_source")
    if not parties:
        raise ValidationError(_("请至少登记一方当事人。"), code="no_parties")
    if len(parties) > 50:
        raise ValidationError(_("当事人不能超过 50 方。"), code="too_many")
    built = [_party(actor, raw) for raw in parties]
    if not allow_duplicate:
        dup = list(duplicates_find(actor=actor, parties=built).values_list("number", flat=True))
        if dup:
            raise Conflict(
                _("这些当事人已有未办结的纠纷:%(n)s。确认仍要登记请勾选“确认重复登记”。")
                % {"n": "、".join(dup[:5])},
                code="duplicate",
            )
    now = timezone.now()
    dispute = Dispute(
        number=f"TMP{now:%f}{id(built) % 10**8}",
        title=title,
        description=description,
        type=type,
        amount=_amount(amount),
        people_count=_people_count(people_count),
        flags=_flags(flags),
        source=source,
        grid=grid,
        area_path=grid.path,
        event=event,
        visit=visit,
        linked_department=linked_department,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        repeat=_party_match(built).exists(),
        registered_at=now,
        deadline=now + timedelta(days=DEADLINE_DAYS),
        next_step=_("等待分派调解组织"),
    )
    dispute.code = code_by_rules(dispute, parties=len(built))
    dispute.save()
    dispute.number = f"MT{timezone.localdate(now):%Y%m%d}{dispute.pk:06d}"
    dispute.save(update_fields=["number"])
    for party in built:
        party.dispute = dispute
    Party.objects.bulk_create(built)
    CodeChange.objects.create(
        dispute=dispute, code_to=dispute.code, step="register", actor=dispute.created_by, at=now
    )
    figures_count(FIGURE_SOURCE, [dispute.pk])
    _audit(
        actor,
        dispute,
        "register",
        {"source": [None, source], "type": [None, type], "code": [None, dispute.code]},
    )
    _emit(dispute, "register")
    return dispute


def _event_grid(event: Event):
    if event.grid_id is None:
        raise ValidationError(_("该事件尚未定位到网格。"), code="no_grid")
    return event.grid


@transaction.atomic
def dispute_from_event(*, actor, event: Event, type, parties=None, **kw) -> Dispute:
    """A dispute reported as an event becomes a dispute without retyping: title,
    description, grid and the reporter (as applicant, when known) come from the event."""
    event = Event.objects.restrict(actor).filter(pk=event.pk).select_related("grid").first()
    if event is None:
        raise NotFound(_("找不到该事件。"))
    if Dispute.objects.filter(event=event).exists():
        raise Conflict(_("该事件已转为矛盾纠纷。"), code="already_converted")
    if not parties:
        parties = []
        if event.reporter_name:
            parties.append(
                {"name": event.reporter_name, "phone": event.reporter_phone, "role": "applicant"}
            )
    return dispute_register(
        actor=actor,
        grid=_event_grid(event),
        title=event.title,
        description=event.description,
        type=type,
        parties=parties,
        source=DisputeSource.EVENT,
        event=event,
        **kw,
    )


@transaction.atomic
def dispute_from_visit(*, actor, visit: Visit, type, title="", parties=None, **kw) -> Dispute:
    """A dispute found on a visit: the visited people are its parties, the findings its
    description."""
    visit = Visit.objects.restrict(actor).filter(pk=visit.pk).select_related("grid").first()
    if visit is None:
        raise NotFound(_("找不到该走访记录。"))
    if not parties:
        parties = [{"person": p.pk} for p in visit.people.all()]
    return dispute_register(
        actor=actor,
        grid=visit.grid,
        title=title or visit.findings[:60],
        description=visit.findings,
        type=type,
        parties=parties,
        source=DisputeSource.VISIT,
        visit=visit,
        **kw,
    )


# -- mediation ------------------------------------------------------------------------------


def _step(actor, dispute: Dispute, allowed: tuple) -> tuple[Dispute, str]:
    _require(actor, dispute)
    dispute = _lock(dispute)
    if dispute.status not in allowed:
        raise Conflict(
            _("纠纷当前状态为“%(s)s”,不能执行该操作。") % {"s": dispute.get_status_display()},
            code="invalid_state",
        )
    figures_retract(FIGURE_SOURCE, [dispute.pk])
    return dispute, dispute.status


def _finish(actor, dispute: Dispute, before: str, step: str, changes=None) -> Dispute:
    old_code = dispute.code
    _recode(dispute, actor=actor, step=step)
    dispute.save()
    figures_count(FIGURE_SOURCE, [dispute.pk])
    changes = {"status": [before, dispute.status], **(changes or {})}
    if old_code != dispute.code:
        changes["code"] = [old_code, dispute.code]
    _audit(actor, dispute, step, changes)
    _emit(dispute, step)
    return dispute


@transaction.atomic
def dispute_assign(*, actor, dispute: Dispute, org: MediationOrg, mediator=None) -> Dispute:
    """Assign to a mediation organisation (in the actor's jurisdiction) and a mediator
    (who must see the dispute's grid)."""
    if org is None:
        raise ValidationError(_("请选择调解组织。"), code="required")
    _require(actor, org.area_path)
    if mediator is not None and not (
        mediator.is_active and path_in_jurisdiction(mediator, dispute.area_path, DISPUTE_HANDLE)
    ):
        raise ValidationError(_("该调解员不负责此纠纷所在区域。"), code="invalid_mediator")
    dispute, before = _step(actor, dispute, OPEN_STATUSES)
    changes = {
        "org": [dispute.org_id, org.pk],
        "mediator": [dispute.mediator_id, mediator and mediator.pk],
    }
    dispute.org, dispute.mediator = org, mediator
    if dispute.status == Status.REGISTERED:
        dispute.status = Status.ASSIGNED
    dispute.next_step = _("等待调解员组织调解")
    return _finish(actor, dispute, before, "assign", changes)


@transaction.atomic
def session_record(*, actor, dispute: Dispute, note, place="", held_at=None) -> Session:
    note = _text(note, _("调解记录"), required=True)
    place = _text(place, _("调解地点"), required=False, limit=200)
    dispute, before = _step(actor, dispute, (Status.ASSIGNED, Status.MEDIATING))
    session = Session.objects.create(
        dispute=dispute, held_at=held_at or timezone.now(), place=place, mediator=actor, note=note
    )
    dispute.status = Status.MEDIATING
    dispute.next_step = _("继续调解或达成协议")
    _finish(actor, dispute, before, "session", {"session": [None, session.pk]})
    return session


def _close(dispute: Dispute, status: str, note: str, next_step: str) -> None:
    dispute.status = status
    dispute.outcome_note = note
    dispute.closed_at = timezone.now()
    dispute.next_step = next_step


@transaction.atomic
def dispute_succeed(*, actor, dispute: Dispute, terms, signed_on: date | None = None) -> Agreement:
    """调解成功: the agreement (协议书) with its DOCX and PDF; a follow-up visit follows
    30 days later (follow_ups_create_due)."""
    terms = _text(terms, _("协议内容"), required=True)
    dispute, before = _step(actor, dispute, (Status.ASSIGNED, Status.MEDIATING))
    if not dispute.parties.exists():
        raise ValidationError(_("协议书须列明当事人,请先登记当事人。"), code="no_parties")
    agreement = Agreement.objects.create(
        dispute=dispute,
        terms=terms,
        signed_on=signed_on or timezone.localdate(),
        created_by=actor,
        docx="",
        pdf="",
    )
    agreement.docx, agreement.pdf = agreement_files_write(dispute, agreement)
    agreement.save(update_fields=["docx", "pdf"])
    _close(dispute, Status.SUCCEEDED, terms, _("履行协议,30 日后回访"))
    _finish(actor, dispute, before, "succeed", {"agreement": [None, agreement.pk]})
    return agreement


@transaction.atomic
def dispute_fail(*, actor, dispute: Dispute, referral, note) -> Dispute:
    """调解不成: referred to litigation, arbitration, the petition office or the police."""
    if referral not in Referral.values:
        raise ValidationError(
            _("请选择移交去向(诉讼、仲裁、信访或公安)。"), code="invalid_referral"
        )
    note = _text(note, _("调解不成的原因"), required=True)
    dispute, before = _step(actor, dispute, OPEN_STATUSES)
    dispute.referral = referral
    dispute.referred_department = referral_department(dispute.area_path, referral)
    _close(dispute, Status.FAILED, note, str(Referral(referral).label))
    changes = {
        "referral": [None, referral],
        "referred_department": [None, dispute.referred_department_id],
    }
    return _finish(actor, dispute, before, "fail", changes)


# -- 诉调/警调/访调 links ------------------------------------------------------------------------

# A failed mediation's referral → the kind of linked department that receives the file.
REFERRAL_LINKS = {
    Referral.LITIGATION: MediationLink.Kind.COURT,
    Referral.CRIMINAL: MediationLink.Kind.POLICE,
    Referral.PETITION: MediationLink.Kind.PETITION,
}


def referral_department(area_path: str, referral: str):
    """The linked department of the referral's kind nearest above the dispute (the
    deepest whose area holds it), or None (arbitration; no such department)."""
    kind = REFERRAL_LINKS.get(referral)
    if kind is None:
        return None
    links = MediationLink.objects.filter(kind=kind).select_related("department__area")
    holding = [x for x in links if area_path.startswith(x.department.area.path)]
    if not holding:
        return None
    return max(holding, key=lambda x: len(x.department.area.path)).department


def _link_require(actor, department) -> None:
    require(actor, WHOLE_PROVINCE, Action.CONFIGURE, message=_("只有省级管理员可以设置对接部门。"))
    require(
        actor,
        department.area,
        Action.CONFIGURE,
        message=_("部门“%(d)s”不在您的管辖范围内。") % {"d": department.name},
    )


def _lock_links() -> None:
    """One link write at a time: the check "one link of a kind per area" below must not
    race with another administrator's insert (link writes are rare)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('mediation.link'))")


@transaction.atomic
def link_set(*, actor, department, kind, new: bool = False) -> MediationLink:
    """Make a department a linked one (court, police, petition office) or change its
    kind: the province administrator's setting, audited. `new=True` (the page's add
    form) refuses a department that is a link already instead of changing its kind.
    An area has at most one link of each kind: a referral goes to the nearest one above
    the dispute, and two of one kind in one area would make that a guess."""
    _link_require(actor, department)
    if kind not in MediationLink.Kind.values:
        raise ValidationError(_("对接类型应为法院、公安或信访部门。"), code="invalid_kind")
    _lock_links()
    link = MediationLink.objects.filter(department=department).first()
    if link is not None and new:
        raise Conflict(
            _("部门“%(d)s”已是对接部门(%(k)s),请在列表中修改其对接类型。")
            % {"d": department.name, "k": link.get_kind_display()},
            code="duplicate_link",
        )
    same = (
        MediationLink.objects.filter(kind=kind, department__area_id=department.area_id)
        .exclude(department=department)
        .select_related("department")
        .first()
    )
    if same is not None:
        raise Conflict(
            _("%(a)s 已有%(k)s:%(d)s。每个区域每类只设一个对接部门。")
            % {
                "a": department.area.name,
                "k": same.get_kind_display(),
                "d": same.department.name,
            },
            code="duplicate_link",
        )
    before = link.kind if link is not None else None
    if link is None:
        link = MediationLink.objects.create(department=department, kind=kind)
    elif before != kind:
        link.kind = kind
        link.save(update_fields=["kind"])
    audit_record(
        actor=actor,
        action="mediation.link_set",
        obj=link,
        area_path=department.area.path,
        changes={"kind": [before, kind]},
    )
    return link


@transaction.atomic
def link_remove(*, actor, link: MediationLink) -> None:
    """The department is no link any more: its system can no longer send or read
    disputes, and failed mediations are no longer referred to it. Disputes it sent or
    received keep their department (history). Audited."""
    department = link.department
    _link_require(actor, department)
    link = MediationLink.objects.select_for_update().filter(pk=link.pk).first()
    if link is None:
        raise NotFound(_("该对接部门已被移除。"))
    audit_record(
        actor=actor,
        action="mediation.link_remove",
        obj=link,
        area_path=department.area.path,
        changes={"kind": [link.kind, None]},
    )
    link.delete()


@transaction.atomic
def dispute_withdraw(*, actor, dispute: Dispute, note) -> Dispute:
    note = _text(note, _("撤回原因"), required=True)
    dispute, before = _step(actor, dispute, OPEN_STATUSES)
    _close(dispute, Status.WITHDRAWN, note, _("当事人已撤回"))
    return _finish(actor, dispute, before, "withdraw")


def follow_ups_create_due(*, today: date | None = None) -> int:
    """Celery beat: a follow-up visit for every successful dispute whose agreement is
    30 days old and has none yet (the system's own step, audited)."""
    today = today or timezone.localdate()
    due = (
        Agreement.objects.filter(
            broken=False,
            dispute__status=Status.SUCCEEDED,
            signed_on__lte=today - timedelta(days=FOLLOW_UP_DAYS),
        )
        .exclude(pk__in=FollowUp.objects.values("agreement"))
        .select_related("dispute")
    )
    made = 0
    for pk in list(due.values_list("pk", flat=True)):
        # One transaction per agreement, the agreement locked and checked again: a second
        # run (a redelivered task, two beats) skips what the first made or is making.
        with transaction.atomic():
            agreement = due.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk).first()
            if agreement is None:
                continue
            follow_up = FollowUp.objects.create(
                dispute=agreement.dispute,
                agreement=agreement,
                due_on=agreement.signed_on + timedelta(days=FOLLOW_UP_DAYS),
            )
            Dispute.objects.filter(pk=agreement.dispute_id).update(next_step=_("待回访"))
            audit_record(
                actor=None,
                action="mediation.follow_up_create",
                obj=agreement.dispute,
                area_path=agreement.dispute.area_path,
                changes={"follow_up": [None, follow_up.pk]},
            )
        made += 1
    return made


@transaction.atomic
def follow_up_record(*, actor, follow_up: FollowUp, result, note) -> FollowUp:
    """The follow-up's result; a broken agreement reopens the dispute (调解中, a new
    time limit) and marks the agreement broken."""
    if result not in FollowUp.Result.values:
        raise ValidationError(_("请选择回访结果。"), code="invalid_result")
    note = _text(note, _("回访情况"), required=True)
    dispute = follow_up.dispute
    _require(actor, dispute)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_at is not None:
        raise Conflict(_("该回访已记录。"), code="invalid_state")
    follow_up.result, follow_up.note = result, note
    follow_up.done_at, follow_up.actor = timezone.now(), actor
    follow_up.save()
    dispute, before = _step(actor, dispute, (Status.SUCCEEDED,))
    if result == FollowUp.Result.BROKEN:
        Agreement.objects.filter(pk=follow_up.agreement_id).update(broken=True)
        dispute.status = Status.MEDIATING
        dispute.reopened += 1
        dispute.closed_at = None
        dispute.deadline = timezone.now() + timedelta(days=DEADLINE_DAYS)
        dispute.next_step = _("协议未履行,重新调解")
        _finish(actor, dispute, before, "reopen", {"follow_up": [None, follow_up.pk]})
    else:
        dispute.next_step = _("已回访,协议已履行")
        _finish(actor, dispute, before, "follow_up", {"follow_up": [None, follow_up.pk]})
    return follow_up


# -- the public page ------------------------------------------------------------------------


def public_phone_matches(dispute: Dispute, last4: str) -> bool:
    """Does a party of the dispute have a phone number ending in `last4`?"""
    last4 = (last4 or "").strip()
    if len(last4) != 4 or not last4.isdigit():
        return False
    return any(p.phone and p.phone.endswith(last4) for p in dispute.parties.all())


@transaction.atomic
def dispute_public_rate(*, token: str, rating, note="") -> Dispute:
    """A party rates the service (1–5) once the dispute is closed; the caller has
    checked the party's phone (the public view's session)."""
    dispute = Dispute.objects.select_for_update().filter(public_token=token).first()
    if dispute is None:
        raise NotFound(_("找不到该纠纷。"))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(_("评价应为 1 到 5 星。"), code="invalid_rating")
    if dispute.status in OPEN_STATUSES:
        raise Conflict(_("纠纷办结后才能评价。"), code="invalid_state")
    if dispute.rating is not None:
        raise Conflict(_("您已评价过。"), code="already_rated")
    note = _text(note, _("评价意见"), required=False, limit=500)
    figures_retract(FIGURE_SOURCE, [dispute.pk])
    dispute.rating, dispute.rating_note = rating, note
    dispute.save()
    figures_count(FIGURE_SOURCE, [dispute.pk])
    _audit(None, dispute, "rate", {"rating": [None, rating]})
    return dispute
