"""The case process as a viewflow finite-state machine.

`EventProcess(event)` wraps one Event; each transition method changes the case's
fields (holder, deadlines) and returns a trace line. Permissions are checked by
viewflow (`has_perm`) against the acting user, conditions (e.g. evidence required)
by `can_proceed`; services (services.py) call them inside a locked transaction and
persist, trace, audit and notify.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import fsm

from . import permissions as perm
from . import sla
from .models import Event, Status


@dataclass
class Step:
    """What a transition did, for the trace."""

    action: str
    unit: str = ""
    note: str = ""


def _unit_name(event: Event) -> str:
    if event.current_department_id:
        return f"{event.current_department.name}"
    return event.current_area.name


def _involve(event: Event, department) -> None:
    if department.pk not in event.departments:
        event.departments = [*event.departments, department.pk]


def _has_evidence(process: EventProcess) -> fsm.State.CONDITION:
    event = process.event
    if not event.category.evidence_required:
        return fsm.State.CONDITION(True)
    # Evidence is material added since handling began (a progress update) or sent with
    # the close request itself; the reporter's photos do not count.
    since = event.step_started_at
    ok = process.pending_evidence or (
        since is not None and event.attachments.filter(uploaded_at__gte=since).exists()
    )
    return fsm.State.CONDITION(bool(ok), str(_("该类事件办结须上传现场佐证材料。")))


def _not_top(process: EventProcess) -> fsm.State.CONDITION:
    return fsm.State.CONDITION(
        process.event.current_area.level > 1, str(_("已是最高层级,无法继续上报。"))
    )


class EventProcess:
    status = fsm.State(Status, default=Status.REPORTED)

    def __init__(self, event: Event, *, pending_evidence: bool = False, citizen: bool = False):
        self.event = event
        # Set by the close service when the evidence arrives with the close request.
        self.pending_evidence = pending_evidence
        # Set by the public page once the citizen proved the tracking code.
        self.citizen = citizen

    @status.getter()
    def _get_status(self):
        return self.event.status

    @status.setter()
    def _set_status(self, value):
        self.event.status = value

    # -- intake --------------------------------------------------------------

    @status.transition(
        source=Status.PENDING_REVIEW,
        target=Status.REPORTED,
        label=_("审核通过"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def approve(self, *, actor, note=""):
        sla.start_step(self.event, "accept")
        return Step("approve", _unit_name(self.event), note)

    @status.transition(
        source=[Status.PENDING_REVIEW, Status.REPORTED],
        target=Status.REJECTED,
        label=_("不予受理"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def reject(self, *, actor, note):
        sla.stop(self.event)
        return Step("reject", _unit_name(self.event), note)

    @status.transition(
        source=Status.REPORTED,
        target=Status.ACCEPTED,
        label=_("受理"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def accept(self, *, actor, note=""):
        sla.start_step(self.event, "decide")
        return Step("accept", _unit_name(self.event), note)

    @status.transition(
        source=[Status.REPORTED, Status.ACCEPTED],
        target=Status.REPORTED,
        label=_("上报上级"),
        conditions=[_not_top],
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def escalate(self, *, actor, note=""):
        e = self.event
        e.previous_area = e.current_area
        e.current_area = e.current_area.parent
        e.current_department = None
        e.handler = None
        sla.start_step(e, "accept")
        return Step("escalate", e.current_area.name, note)

    # -- dispatch and handling ------------------------------------------------

    @status.transition(
        source=Status.ACCEPTED,
        target=Status.DISPATCHED,
        label=_("分派"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def dispatch(self, *, actor, department=None, unit=None, note=""):
        e = self.event
        e.dispatched_by_area = e.current_area
        if department is not None:
            e.current_department = department
            _involve(e, department)
        else:
            e.previous_area = e.current_area
            e.current_area = unit
            e.current_department = None
        e.handler = None
        sla.start_step(e, "sign")
        return Step("dispatch", _unit_name(e), note)

    @status.transition(
        source=Status.ACCEPTED,
        target=Status.HANDLING,
        label=_("自行办理"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def handle(self, *, actor, note=""):
        self.event.handler = actor
        sla.start_handling(self.event)
        return Step("handle", _unit_name(self.event), note)

    @status.transition(
        source=Status.DISPATCHED,
        target=Status.HANDLING,
        label=_("签收"),
        permission=lambda p, u: perm.holds_case(u, p.event),
    )
    def sign(self, *, actor, note=""):
        self.event.handler = actor
        sla.start_handling(self.event)
        return Step("sign", _unit_name(self.event), note)

    @status.transition(
        source=[Status.DISPATCHED, Status.HANDLING],
        target=Status.ACCEPTED,
        label=_("退回"),
        permission=lambda p, u: perm.holds_case(u, p.event),
    )
    def send_back(self, *, actor, note):
        e = self.event
        unit = _unit_name(e)
        e.current_area = e.dispatched_by_area or e.current_area
        e.current_department = None
        e.handler = None
        sla.start_step(e, "decide")
        return Step("return", unit, note)

    @status.transition(
        source=[Status.REPORTED, Status.ACCEPTED],
        target=Status.ACCEPTED,
        label=_("退回下级"),
        conditions=[
            lambda p: fsm.State.CONDITION(
                p.event.previous_area_id is not None
                and p.event.previous_area.level > p.event.current_area.level,
                str(_("该事件不是由下级上报的,无法退回下级。")),
            )
        ],
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def send_down(self, *, actor, note):
        e = self.event
        unit = e.current_area.name
        e.current_area, e.previous_area = e.previous_area, None
        e.current_department = None
        sla.start_step(e, "decide")
        return Step("return", unit, note)

    @status.transition(
        source=[Status.DISPATCHED, Status.HANDLING],
        target=Status.DISPATCHED,
        label=_("转派"),
        permission=lambda p, u: (
            p.event.dispatched_by_area_id is not None
            and perm.is_unit_staff(u, p.event.dispatched_by_area)
        ),
    )
    def transfer(self, *, actor, department, note=""):
        e = self.event
        e.current_department = department
        _involve(e, department)
        e.handler = None
        sla.start_step(e, "sign")
        return Step("transfer", department.name, note)

    @status.transition(
        source=Status.HANDLING,
        target=Status.CLOSED,
        label=_("办结"),
        conditions=[_has_evidence],
        permission=lambda p, u: perm.holds_case(u, p.event),
    )
    def close(self, *, actor, note):
        """`note` is the result of the handling (办理结果)."""
        e = self.event
        e.result = note
        e.closed_at = timezone.now()
        sla.start_step(e, "verify")
        return Step("close", _unit_name(e), note)

    # -- verification and rating ---------------------------------------------

    @status.transition(
        source=Status.CLOSED,
        target=Status.VERIFIED,
        label=_("核查通过"),
        permission=lambda p, u: perm.can_verify(u, p.event),
    )
    def verify(self, *, actor, note=""):
        self.event.verified_at = timezone.now()
        sla.stop(self.event)
        return Step("verify", "", note)

    @status.transition(
        source=Status.CLOSED,
        target=Status.HANDLING,
        label=_("核查不通过"),
        permission=lambda p, u: perm.can_verify(u, p.event),
    )
    def reopen(self, *, actor, note):
        e = self.event
        e.closed_at = None
        # Back to the same handler; the original handling deadline still counts.
        sla.resume_handling(e)
        return Step("reopen", _unit_name(e), note)

    @status.transition(
        source=Status.VERIFIED,
        target=Status.ARCHIVED,
        label=_("评价"),
        permission=lambda p, u: p.citizen or perm.can_verify(u, p.event),
    )
    def rate(self, *, actor, rating: int, note=""):
        self.event.rating = rating
        return Step("rate", "", note)

    @status.transition(
        source=[Status.REPORTED, Status.ACCEPTED],
        target=Status.MERGED,
        label=_("合并"),
        permission=lambda p, u: perm.is_unit_staff(u, p.event.current_area),
    )
    def merge(self, *, actor, into: Event, note=""):
        self.event.merged_into = into
        sla.stop(self.event)
        return Step("merge", into.number, note)


ACTION_LABELS = {
    "report": _("上报"),
    "approve": _("审核通过"),
    "reject": _("不予受理"),
    "accept": _("受理"),
    "escalate": _("上报上级"),
    "dispatch": _("分派"),
    "handle": _("自行办理"),
    "sign": _("签收"),
    "return": _("退回"),
    "transfer": _("转派"),
    "close": _("办结"),
    "verify": _("核查通过"),
    "reopen": _("核查不通过,重新办理"),
    "rate": _("评价"),
    "merge": _("合并"),
    "supervise": _("督办"),
    "supervision_answer": _("督办反馈"),
    "suspend": _("挂起"),
    "resume": _("恢复计时"),
    "overdue": _("超期"),
    "locate": _("指定网格"),
    "near_due": _("临期提醒"),
    "attach": _("补充材料"),
}


# The steps of the process, in the order the page offers them: the one list the service
# accepts (services.event_transition) and the page and API offer.
TRANSITIONS = (
    "approve",
    "reject",
    "accept",
    "escalate",
    "dispatch",
    "handle",
    "sign",
    "send_back",
    "send_down",
    "transfer",
    "close",
    "verify",
    "reopen",
    "rate",
    "merge",
)


def available_actions(event: Event, user) -> list[str]:
    """Names of the transitions `user` may perform on `event` now."""
    process = EventProcess(event)
    names = []
    for name in TRANSITIONS:
        method = getattr(process, name)
        if method.can_proceed(check_conditions=False) and method.has_perm(user):
            names.append(name)
    return names
