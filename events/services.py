"""Every write on a case. Each service locks the case, checks role and jurisdiction
through the process (flows.py), saves, traces, audits and notifies."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.fsm import TransitionNotAllowed

from governance.access import require
from governance.audit import audit_entry, audit_record, audit_records, diff, snapshot
from governance.compiled import CompiledQuery
from governance.figures import figures_count, figures_retract
from governance.models import Department, RoleAssignment
from governance.notifications import Text, notify
from governance.outbox import outbox_emit
from governance.roles import UNIT_ROLES, Role
from grids.locate import locate, parse_point
from grids.models import Area, outlines_of

from . import permissions as perm
from . import sla
from .actions import EVENT_REPORT
from .attachments import check_upload, display_name, make_thumbnail, stored_name
from .figures import DUE_FIGURES
from .figures import SOURCE as FIGURES
from .flows import ACTION_LABELS, TRANSITIONS, EventProcess, Step
from .models import (
    CASE_AREAS,
    OPEN_STATUSES,
    Attachment,
    Event,
    EventCategory,
    Source,
    Status,
    SupervisionCard,
    Trace,
    Urgency,
)

DUPLICATE_RADIUS_M = 50
DUPLICATE_DAYS = 7


class EventActionError(ValidationError):
    """A refused action; nothing was changed."""


# -- helpers ------------------------------------------------------------------


def _next_number() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval('events_event_number_seq')")
        seq = cur.fetchone()[0]
    return f"SJ{timezone.localdate():%Y%m%d}{seq:06d}"


# An area by its code, compiled once per process (governance/compiled.py): every report
# reads its grid and its accepting unit so. Without the outlines (tens of kB each).
_AREA_BY_CODE = CompiledQuery(
    lambda code: Area.objects.defer("boundary", "boundary_simple").filter(code=code),
    code="\x1fno area has this code",
)


def _area_by_code(code: str) -> Area:
    found = _AREA_BY_CODE.objects(code=str(code))
    if not found:
        raise Area.DoesNotExist(f"no area {code!r}")
    return found[0]


def _accepting_unit(grid: Area, level: int) -> Area:
    return _area_by_code(grid.ancestor_codes[max(1, min(level, grid.level)) - 1])


def _trace(event: Event, actor, step: Step, from_status: str) -> Trace:
    return Trace.objects.create(
        event=event,
        action=step.action,
        actor=actor if _real(actor) else None,
        actor_name=_actor_name(actor),
        from_status=from_status,
        to_status=event.status,
        unit=str(step.unit)[:200],
        note=step.note or "",
    )


def _real(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _actor_name(actor) -> str:
    return str(actor) if _real(actor) else _("群众/系统")


def _holders(event: Event):
    """Users who hold the case now (to notify)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if event.current_department_id:
        q = RoleAssignment.objects.filter(
            role=Role.DEPARTMENT_HANDLER, department_id=event.current_department_id
        )
    else:
        q = RoleAssignment.objects.filter(role__in=UNIT_ROLES, area_id=event.current_area_id)
    return User.objects.filter(pk__in=q.values("user_id"), is_active=True)


def _verifiers(event: Event):
    """Users who verify (核查) the case once closed: the rule of `permissions.can_verify`
    (its reporter, and the grid workers of its grid)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, area_id=event.grid_id)
    q = Q(pk__in=workers.values("user_id"))
    if event.reporter_id:
        q |= Q(pk=event.reporter_id)
    return User.objects.filter(q, is_active=True)


def _waiting_on(event: Event):
    """Who the case waits on now, i.e. whose 待办 it is in (`selectors.inbox`)."""
    return _verifiers(event) if event.status == Status.CLOSED else _holders(event)


def _body(event: Event, note: str = "") -> str:
    """What the notification adds to its title (which names the case already): the
    number, and the note of the step (reason, result, instruction) when there is one."""
    note = " ".join((note or "").split())
    return f"{event.number} · {note[:300]}" if note else event.number


def _notify_holders(event: Event, kind: str, title: Text, note: str = "") -> None:
    notify(
        users=_waiting_on(event),
        kind=kind,
        title=title,
        body=_body(event, note),
        url=event.get_absolute_url(),
    )


def _publish(event: Event, action: str) -> None:
    """Announce the step through the outbox (topic `event.<action>`): its subscribers,
    such as the department systems' webhooks, learn of it after commit."""
    from .payloads import event_payload

    # Addressed only to the departments that hold or held the case (the rule of its
    # `restrict`); a case no department has been given yet goes to none.
    outbox_emit(
        topic=f"event.{action}",
        payload=event_payload(event),
        area_path=event.area_path,
        departments=list(event.departments),
    )


def attachments_save(*, event, actor, files, trace=None) -> list[Attachment]:
    """Check every upload first, then store them. A bad file refuses the whole request
    before anything is written; a failure while storing removes what was stored."""
    checked = [(upload, check_upload(upload)) for upload in files or []]
    thumbs = [make_thumbnail(upload, ct) for upload, ct in checked]
    out, written = [], []
    try:
        for (upload, content_type), thumb in zip(checked, thumbs, strict=True):
            att = Attachment(
                event=event,
                trace=trace,
                content_type=content_type,
                size=upload.size,
                uploaded_by=actor,
                original_name=display_name(upload),
            )
            att.file.save(stored_name(content_type), upload, save=False)
            written.append(att.file)
            if thumb is not None:
                att.thumbnail.save(thumb.name, thumb, save=False)
                written.append(att.thumbnail)
            att.save()
            out.append(att)
    except BaseException:
        for f in written:
            f.storage.delete(f.name)
        raise
    return out


def _attach(event: Event, actor, files, trace: Trace | None = None) -> list[Attachment]:
    # Verified type, random stored name, nothing kept when a file is refused: attachments.py.
    return attachments_save(
        event=event, actor=actor if _real(actor) else None, files=files, trace=trace
    )


# -- report -------------------------------------------------------------------


@transaction.atomic
def event_report(
    *,
    actor,
    title: str,
    category: EventCategory,
    source: str = Source.GRID_WORKER,
    description: str = "",
    lng=None,
    lat=None,
    crs: str = "wgs84",
    grid: Area | None = None,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    files=None,
    area: Area | None = None,
) -> Event:
    """Report a case. Staff report inside their jurisdiction; citizens (actor=None,
    source=citizen) report anywhere and wait for moderation.

    `area` (citizens and Open311 only): the place is known only down to an area above
    the grid level (an address without coordinates); the case is held for moderation at
    that area's accepting unit without a grid until a moderator sets one (event_locate).
    """
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("请填写事件标题。"), code="required")
    if not category.active:
        raise ValidationError(_("该事件分类已停用。"), code="invalid")
    point = None
    if lng not in (None, "") or lat not in (None, ""):
        x, y, crs = parse_point(lng, lat, crs)  # LocateError is a ValueError
        found = locate(x, y, crs)
        if found is None:
            raise ValidationError(
                _("该位置不在任何网格内,请在地图上重新选择。"), code="outside_grids"
            )
        point = Point(found.lng, found.lat, srid=4326)
        if grid is None:
            grid = _area_by_code(found.code)
    citizen = source in (Source.CITIZEN, Source.OPEN311) and not _real(actor)
    if grid is None and area is not None and area.level == 6:
        grid = area
    held = grid is None and area is not None and citizen  # no grid yet: moderators set it
    if not held and (grid is None or grid.level != 6):
        raise ValidationError(_("请提供位置或选择所属网格。"), code="required")
    place = grid or area
    reporter_phone = str(reporter_phone or "").strip()
    if len(reporter_phone) > 20:  # the column is encrypted text now: the limit lives here
        raise ValidationError(_("联系电话不能超过 20 位。"), code="invalid")
    if not citizen:
        if not _real(actor):
            raise EventActionError(_("请先登录再上报事件。"), code="forbidden")
        require(
            actor,
            grid,
            EVENT_REPORT,
            message=_("您无权在该网格上报事件(不在管辖范围内,或您的角色只能查看)。"),
        )
    event = Event(
        number=_next_number(),
        title=title[:200],
        description=description,
        category=category,
        source=source,
        urgency=urgency,
        location=point,
        address=address[:300],
        grid=grid,
        area_path=place.path,
        reporter=actor if _real(actor) else None,
        reporter_name=reporter_name or (str(actor) if _real(actor) else ""),
        reporter_phone=reporter_phone or (getattr(actor, "phone", "") if _real(actor) else ""),
        tracking_code=secrets.token_hex(4).upper() if citizen or source == Source.OPEN311 else "",
        status=Status.PENDING_REVIEW if citizen else Status.REPORTED,
        current_area=_accepting_unit(place, category.accept_level),
    )
    if not citizen:
        sla.start_step(event, "accept")
    event.save()
    trace = _trace(event, actor, Step("report", event.current_area.name, description[:500]), "")
    _attach(event, actor, files, trace)
    audit_record(
        actor=actor if _real(actor) else None,
        action="event.report",
        obj=event,
        changes={"status": [None, event.status], "grid": [None, grid.code if grid else None]},
        area_path=event.area_path,
    )
    _notify_holders(
        event,
        "event.new",
        Text(gettext_lazy("新事件待受理:%(t)s"), t=event.title)
        if not citizen
        else Text(gettext_lazy("群众上报待审核:%(t)s"), t=event.title),
    )
    _publish(event, "reported")
    # The one rollup upsert of a report, last: it locks cells shared with every report of
    # the county, city and province until the commit, so it should come just before it.
    figures_count(FIGURES, [event.pk])
    return event


@transaction.atomic
def event_locate(*, actor, event: Event, grid: Area) -> Event:
    """Set the grid of a case held for moderation without one (a request known only by
    its address): by the staff of the unit holding it, to a grid inside the area the
    case was held at. The case moves to the unit that would have received it."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Status.PENDING_REVIEW or event.grid_id is not None:
        raise EventActionError(_("只有待审核且尚未定位的事件可以指定网格。"), code="invalid")
    if not perm.is_unit_staff(actor, event.current_area):
        raise EventActionError(_("您无权处理该事件。"), code="forbidden")
    if grid.level != 6 or not grid.path.startswith(event.area_path):
        raise EventActionError(_("所选网格不在该事件所在区域内。"), code="invalid")
    before = event.current_area
    event.grid, event.area_path = grid, grid.path
    event.current_area = _accepting_unit(grid, event.category.accept_level)
    figures_retract(FIGURES, [event.pk])
    event.save(update_fields=["grid", "area_path", "current_area", "updated_at"])
    figures_count(FIGURES, [event.pk])
    _trace(event, actor, Step("locate", event.current_area.name, grid.name), event.status)
    audit_record(
        actor=actor,
        action="event.locate",
        obj=event,
        area_path=event.area_path,
        changes={"grid": [None, grid.code], "current_area": [before.code, event.current_area.code]},
    )
    return event


def duplicates_suggest(
    *, user, category: EventCategory, lng: float, lat: float, exclude: Event | None = None
):
    """Open cases of the same category within 50 m reported in the last 7 days."""
    from django.contrib.gis.measure import D

    qs = Event.objects.restrict(user).filter(
        category=category,
        status__in=[
            Status.REPORTED,
            Status.ACCEPTED,
            Status.DISPATCHED,
            Status.HANDLING,
            Status.PENDING_REVIEW,
        ],
        reported_at__gte=timezone.now() - timedelta(days=DUPLICATE_DAYS),
        # Degrees prefilter (uses the GiST index; 0.0009° ≥ 50 m in Jilin's latitudes),
        # then the exact spheroid distance.
        location__dwithin=(Point(lng, lat, srid=4326), 0.0009),
        location__distance_lte=(Point(lng, lat, srid=4326), D(m=DUPLICATE_RADIUS_M)),
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-reported_at")


# -- transitions ----------------------------------------------------------------

# Every field a step may change is recorded in its audit row (issue 8, item 16), except
# what identifies the citizen who reported (personal data stays out of the trail), the
# tracking code (a secret) and bookkeeping.
_NOT_AUDITED = {"id", "reporter_name", "reporter_phone", "tracking_code", "updated_at", "location"}
AUDITED_FIELDS = [f.attname for f in Event._meta.concrete_fields if f.name not in _NOT_AUDITED]

NOTE_REQUIRED = {"reject", "send_back", "send_down", "reopen", "close"}


def _note_missing_message(action: str) -> str:
    """What the person must write, in the words of the step (办结 asks for the result)."""
    if action == "close":
        return _("办结前请在“意见/说明”中填写办理结果。")
    if action == "reject":
        return _("请在“意见/说明”中填写不予受理的原因。")
    if action == "reopen":
        return _("请在“意见/说明”中填写核查不通过的原因。")
    return _("请在“意见/说明”中填写退回的原因。")


# The case a step locks, with its areas (without their outlines): on every step of every
# case, compiled once per process (governance/compiled.py).
_LOCKED_CASE = CompiledQuery(
    lambda pk: (
        Event.objects.select_for_update(of=("self",))
        .select_related("category", "current_department", *CASE_AREAS)
        .defer(*outlines_of(*CASE_AREAS))
        .filter(pk=pk)
    ),
    pk=987_654_325,
)


@transaction.atomic
def event_transition(
    *, actor, event: Event, action: str, note: str = "", files=None, **kwargs
) -> Event:
    """Perform one step of the process, or refuse it with a clear error."""
    if action not in TRANSITIONS:
        raise EventActionError(_("未知操作:%(a)s") % {"a": action}, code="invalid")
    # Lock the row: two people acting on one case at once are serialised.
    locked = _LOCKED_CASE.objects(using=router.db_for_write(Event), pk=event.pk)
    if not locked:
        raise Event.DoesNotExist(f"no case {event.pk}")
    event = locked[0]
    if action in NOTE_REQUIRED and not (note or "").strip():
        raise EventActionError(_note_missing_message(action), code="required")
    _validate_arguments(actor, event, action, kwargs)
    process = EventProcess(event, pending_evidence=bool(files))
    method = getattr(process, action)
    label = method.label
    if not method.can_proceed(check_conditions=False):
        raise EventActionError(
            _("事件当前状态为“%(s)s”,不能执行“%(a)s”。")
            % {"s": event.get_status_display(), "a": label},
            code="invalid_state",
        )
    if not method.has_perm(actor):
        raise EventActionError(_("您无权对该事件执行“%(a)s”。") % {"a": label}, code="forbidden")
    before = event.status
    before_fields = snapshot(event, AUDITED_FIELDS)
    before_unit = (event.current_area_id, event.current_department_id)
    try:
        step = method(actor=actor, note=note, **kwargs)
    except TransitionNotAllowed as exc:
        raise EventActionError(
            getattr(exc, "unmet_message", "") or str(exc), code="condition"
        ) from None
    figures_retract(FIGURES, [event.pk])
    event.save()
    figures_count(FIGURES, [event.pk])
    trace = _trace(event, actor, step, before)
    _attach(event, actor, files, trace)
    audit_record(
        actor=actor,
        action=f"event.{action}",
        obj=event,
        changes=diff(before_fields, snapshot(event, AUDITED_FIELDS)),
        area_path=event.area_path,
    )
    # Every step after which the case waits on someone else puts it in their 待办 and
    # tells them: a new holder, a new step for the same unit (dispatched, reported), the
    # handler again after a failed verification, the verifiers after 办结.
    if (
        (event.current_area_id, event.current_department_id) != before_unit
        or event.status in (Status.REPORTED, Status.DISPATCHED, Status.CLOSED)
        or action == "reopen"
    ):
        if event.status == Status.CLOSED:
            title = Text(gettext_lazy("待核查:%(t)s"), t=event.title)
        else:
            title = Text(
                gettext_lazy("%(a)s:%(t)s"), a=ACTION_LABELS.get(step.action, label), t=event.title
            )
        _notify_holders(event, f"event.{action}", title, note=step.note)
    _publish(event, step.action)
    return event


def _check_department_target(event: Event, department: Department) -> None:
    """Every step that names a department checks it against the one rule of
    `dispatch_departments` (the case's own area and the units above it)."""
    from .selectors import OUT_OF_DISPATCH_SCOPE, dispatch_departments

    if not dispatch_departments(event=event).filter(pk=department.pk).exists():
        raise EventActionError(OUT_OF_DISPATCH_SCOPE, code="forbidden")


def _validate_arguments(actor, event: Event, action: str, kwargs: dict) -> None:
    if action == "approve" and event.grid_id is None:
        raise EventActionError(_("请先为该事件指定所属网格。"), code="no_grid")
    if action == "dispatch":
        department, unit = kwargs.get("department"), kwargs.get("unit")
        if (department is None) == (unit is None):
            raise EventActionError(_("请选择一个承办部门或一个下级单位。"), code="required")
        if department is not None:
            _check_department_target(event, department)
        if unit is not None and not (
            unit.parent_id == event.current_area_id and event.area_path.startswith(unit.path)
        ):
            raise EventActionError(_("只能分派给事发地所在的直接下级单位。"), code="invalid")
    if action == "transfer":
        if not isinstance(kwargs.get("department"), Department):
            raise EventActionError(_("请选择转派的部门。"), code="required")
        _check_department_target(event, kwargs["department"])
    if action == "rate":
        rating = kwargs.get("rating")
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise EventActionError(_("评价须为 1 到 5 分。"), code="invalid")
    if action == "merge":
        into = kwargs.get("into")
        if into is None or into.pk == event.pk or into.status == Status.MERGED:
            raise EventActionError(_("请选择要合并到的另一事件。"), code="invalid")
        if not Event.objects.restrict(actor).filter(pk=into.pk).exists():
            raise EventActionError(_("目标事件不在您的管辖范围内。"), code="forbidden")


@transaction.atomic
def event_citizen_rate(*, number: str, tracking_code: str, rating: int, note: str = "") -> Event:
    """A citizen rates their own closed and verified report (proved by tracking code)."""
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("category", "current_area", "current_department", "grid")
        .defer(*outlines_of("current_area", "grid"))
        .filter(number=number, tracking_code=tracking_code.strip().upper())
        .first()
    )
    if event is None or not tracking_code:
        raise EventActionError(_("事件编号或查询码不正确。"), code="not_found")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise EventActionError(_("评价须为 1 到 5 分。"), code="invalid")
    process = EventProcess(event, citizen=True)
    if not process.rate.can_proceed(check_conditions=False):
        raise EventActionError(_("事件尚未办结核查,暂不能评价。"), code="invalid_state")
    before = event.status
    step = process.rate(actor=None, rating=rating, note=note)
    figures_retract(FIGURES, [event.pk])
    event.save()
    figures_count(FIGURES, [event.pk])
    _trace(event, None, step, before)
    audit_record(
        actor=None,
        action="event.rate",
        obj=event,
        changes={"rating": [None, rating]},
        area_path=event.area_path,
    )
    _publish(event, "rate")
    return event


# -- supervision, suspension, material -------------------------------------------


@transaction.atomic
def event_supervise(
    *, actor, event: Event, colour: str, message: str, days: int = 2
) -> SupervisionCard:
    if event.status not in OPEN_STATUSES:
        raise EventActionError(_("只能督办未办结的事件。"), code="invalid_state")
    if not perm.can_supervise(actor, event):
        raise EventActionError(_("只有上级单位可以督办该事件。"), code="forbidden")
    if colour not in SupervisionCard.Colour.values or not (message or "").strip():
        raise EventActionError(_("请选择督办等级并填写督办意见。"), code="required")
    from workcalendar.workdays import get_calendar

    role_area = (
        RoleAssignment.objects.filter(user=actor)
        .select_related("area")
        .order_by("area__level")
        .first()
        .area
    )
    card = SupervisionCard.objects.create(
        event=event,
        colour=colour,
        issued_by=actor,
        issued_by_area=role_area,
        message=message,
        deadline=get_calendar().add_workdays(timezone.now(), days),
    )
    _trace(event, actor, Step("supervise", role_area.name, message), event.status)
    audit_record(
        actor=actor,
        action="event.supervise",
        obj=event,
        changes={"supervision": [None, colour]},
        area_path=event.area_path,
    )
    _notify_holders(
        event,
        "event.supervise",
        Text(
            gettext_lazy("%(c)s:%(t)s"), c=SupervisionCard.Colour(card.colour).label, t=event.title
        ),
        note=message,
    )
    # A supervision card is an escalation the cockpit's live feed shows (cockpit/live.py).
    _publish(event, "supervise")
    return card


@transaction.atomic
def supervision_answer(*, actor, card: SupervisionCard, answer: str) -> SupervisionCard:
    if not perm.can_answer_supervision(actor, card.event):
        raise EventActionError(_("只有当前承办单位可以反馈督办。"), code="forbidden")
    if card.answered_at or not (answer or "").strip():
        raise EventActionError(_("请填写反馈内容(每张督办卡只能反馈一次)。"), code="invalid")
    card.answer, card.answered_at = answer, timezone.now()
    card.save(update_fields=["answer", "answered_at"])
    _trace(card.event, actor, Step("supervision_answer", "", answer), card.event.status)
    audit_record(
        actor=actor,
        action="event.supervision_answer",
        obj=card.event,
        changes={"supervision": [card.colour, "answered"]},
        area_path=card.event.area_path,
    )
    # The issuer waits for this answer (their 督办 box lists the card until now).
    if card.issued_by_id and card.issued_by.is_active:
        notify(
            users=[card.issued_by],
            kind="event.supervision_answer",
            title=Text(gettext_lazy("督办已反馈:%(t)s"), t=card.event.title),
            body=_body(card.event, answer),
            url=card.event.get_absolute_url(),
        )
    return card


@transaction.atomic
def event_suspend(*, actor, event: Event, reason: str) -> Event:
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("current_area", "current_department")
        .defer(*outlines_of("current_area"))
        .get(pk=event.pk)
    )
    if not perm.holds_case(actor, event) or event.status not in (
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.HANDLING,
    ):
        raise EventActionError(_("只有承办单位可以挂起办理中的事件。"), code="forbidden")
    if event.suspended_at or not (reason or "").strip():
        raise EventActionError(_("请填写挂起原因(已挂起的事件不能重复挂起)。"), code="invalid")
    sla.suspend(event)
    event.suspend_reason = reason[:200]
    figures_retract(FIGURES, [event.pk])
    event.save()
    figures_count(FIGURES, [event.pk])
    _trace(event, actor, Step("suspend", "", reason), event.status)
    audit_record(
        actor=actor,
        action="event.suspend",
        obj=event,
        changes={"suspended": [False, True]},
        area_path=event.area_path,
    )
    return event


@transaction.atomic
def event_resume(*, actor, event: Event) -> Event:
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("current_area", "current_department")
        .defer(*outlines_of("current_area"))
        .get(pk=event.pk)
    )
    # Who asks first, then the state: a caller without the right learns nothing more
    # and gets 403 like every other refused write.
    if not perm.holds_case(actor, event):
        raise EventActionError(_("只有承办单位可以恢复计时。"), code="forbidden")
    if not event.suspended_at:
        raise EventActionError(_("该事件未挂起。"), code="invalid")
    sla.resume(event)
    figures_retract(FIGURES, [event.pk])
    event.save()
    figures_count(FIGURES, [event.pk])
    _trace(event, actor, Step("resume", "", ""), event.status)
    audit_record(
        actor=actor,
        action="event.resume",
        obj=event,
        changes={"suspended": [True, False]},
        area_path=event.area_path,
    )
    return event


@transaction.atomic
def event_attach(*, actor, event: Event, files, note: str = "") -> list[Attachment]:
    if not (perm.holds_case(actor, event) or perm.can_verify(actor, event)):
        raise EventActionError(_("您无权为该事件补充材料。"), code="forbidden")
    trace = _trace(event, actor, Step("attach", "", note), event.status)
    out = _attach(event, actor, files, trace)
    audit_record(
        actor=actor,
        action="event.attach",
        obj=event,
        changes={"attachments": [None, len(out)]},
        area_path=event.area_path,
    )
    return out


# -- schedule -----------------------------------------------------------------------


@transaction.atomic
def events_mark_due() -> dict[str, int]:
    """Scheduled: flag near-due and overdue cases, trace and notify their holders."""
    # The due figures of the flagged cases: their old state's cells out, the new ones in.
    flagged = sla.mark_due_states(
        before_update=lambda ids: figures_retract(FIGURES, ids, figures=DUE_FIGURES)
    )
    figures_count(FIGURES, [i for ids in flagged.values() for i in ids], figures=DUE_FIGURES)
    for state, ids in flagged.items():
        if not ids:
            continue
        action = "overdue" if state == "overdue" else "near_due"
        events = list(
            Event.objects.filter(id__in=ids)
            .select_related("current_area", "current_department", "category", "grid")
            .defer(*outlines_of("current_area", "grid"))
        )
        Trace.objects.bulk_create(
            [
                Trace(
                    event=e,
                    action=action,
                    actor_name=_("系统"),
                    from_status=e.status,
                    to_status=e.status,
                    unit=e.current_area.name,
                )
                for e in events
            ]
        )
        audit_records(
            [
                audit_entry(
                    actor=None,
                    action=f"event.{action}",
                    obj=e,
                    area_path=e.area_path,
                    changes={"due_state": [None, state]},
                )
                for e in events
            ]
        )
        # One holder lookup per holding unit, not per case.
        by_holder: dict[tuple, list[Event]] = {}
        for e in events:
            by_holder.setdefault((e.current_area_id, e.current_department_id), []).append(e)
        for group in by_holder.values():
            holders = list(_holders(group[0]))
            for e in group:
                notify(
                    # A closed case is late in its verification: its verifiers are told.
                    users=list(_verifiers(e)) if e.status == Status.CLOSED else holders,
                    kind=f"event.{action}",
                    title=Text(gettext_lazy("%(a)s:%(t)s"), a=ACTION_LABELS[action], t=e.title),
                    body=_body(e),
                    url=e.get_absolute_url(),
                )
        if action == "overdue":
            # A case becoming overdue is announced like a step (webhooks, the cockpit's
            # live feed); near-due is only a reminder to its holders.
            for e in events:
                _publish(e, "overdue")
    return {k: len(v) for k, v in flagged.items()}
