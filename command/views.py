"""Pages: the dispatcher's command list, new command form and command detail with the
state of every recipient; the field worker's 我的指令 phone page (签收, 进展, 反馈 with
photos, position sharing); the leader's command map."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from events.evidence import evidence_response
from events.models import OPEN_STATUSES, Event
from governance.errors import Conflict, Forbidden, NotFound
from governance.models import RoleAssignment
from governance.navigation import page_rule
from governance.roles import UNIT_ROLES, Role
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import positions, selectors, services
from .actions import COMMAND_ISSUE, may_command_map, may_issue, may_respond
from .models import Command, PlanActivation, Priority, RecipientState

RESPONSES = {
    "sign": services.command_sign,
    "progress": services.command_progress,
    "feedback": services.command_feedback,
}


def _issue_areas(user):
    """The areas where the user may issue commands (their role areas)."""
    paths = jurisdiction_paths(user, COMMAND_ISSUE)
    return list(Area.objects.filter(path__in=paths).order_by("level", "code"))


def _error_text(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
@page_rule(may_issue)
def command_list(request):
    box = request.GET.get("box") or "all"
    try:
        qs = selectors.command_list(user=request.user, box=box, status=request.GET.get("status"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        qs = Command.objects.none()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    activations = selectors.activation_list(user=request.user).filter(
        status__in=[PlanActivation.Status.PROPOSED, PlanActivation.Status.ACTIVE]
    )[:20]
    return render(
        request,
        "command/list.html",
        {
            "page": page,
            "box": box,
            "activations": activations,
            "may_map": may_command_map(request.user),
            "may_mine": may_respond(request.user),
        },
    )


def _staff_in(area: Area, limit=300):
    return (
        RoleAssignment.objects.filter(
            area__path__startswith=area.path,
            role__in=[*UNIT_ROLES, Role.DEPARTMENT_HANDLER],
            user__is_active=True,
        )
        .select_related("user", "area")
        .order_by("area__path", "user__username")[:limit]
    )


@login_required
@page_rule(may_issue)
def command_new(request):
    areas = _issue_areas(request.user)
    if not areas:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    area = None
    if data.get("area"):
        # One of the user's areas or an area below them (the map's drill-down).
        area = Area.objects.filter(code=str(data["area"])[:15]).first()
        if area is None or not any(area.path.startswith(a.path) for a in areas):
            raise Http404
        if area not in areas:
            areas.append(area)
    event = None
    if data.get("event"):
        event = Event.objects.restrict(request.user).filter(number=data["event"]).first()
        if event is None:
            raise Http404
        if area is None:
            # The highest of the user's areas containing the event.
            area = next((a for a in areas if event.area_path.startswith(a.path)), None)
    area = area or areas[0]
    status = 200
    if request.method == "POST":
        try:
            deadline = parse_datetime(request.POST.get("deadline", ""))
            if deadline is None:
                raise ValidationError(_("请填写完成时限。"), code="required")
            command = services.command_issue(
                actor=request.user,
                area=area,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                priority=request.POST.get("priority", Priority.NORMAL),
                deadline=deadline,
                recipients=services.RecipientSpec(
                    users=request.POST.getlist("users"),
                    units=request.POST.getlist("units"),
                    grid_workers_of=request.POST.get("grid_workers_of") or None,
                ),
                event=event,
            )
            messages.success(request, _("指令已下达。"))
            return redirect(command.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 400
    nearest = []
    if event is not None and event.location is not None:
        nearest = list(positions.staff_nearest(user=request.user, event=event, limit=10))
    default_deadline = timezone.localtime() + datetime.timedelta(hours=4)
    return render(
        request,
        "command/new.html",
        {
            "areas": areas,
            "area": area,
            "event": event,
            "units": Area.objects.filter(parent=area).order_by("code"),
            "staff": _staff_in(area),
            "nearest": nearest,
            "priorities": Priority.choices,
            "form": request.POST if request.method == "POST" else {},
            "default_deadline": default_deadline.strftime("%Y-%m-%dT%H:%M"),
        },
        status=status,
    )


def _act(request, command):
    service = RESPONSES.get(request.POST.get("action", ""))
    try:
        if service is None:
            raise ValidationError(_("未知操作。"), code="invalid")
        kwargs = {
            "note": request.POST.get("note", ""),
            "recipient_id": request.POST.get("recipient"),
        }
        if service is not services.command_sign:
            kwargs["files"] = request.FILES.getlist("files")
        service(actor=request.user, command=command, **kwargs)
        messages.success(request, _("已提交。"))
        return None
    except (ValidationError, Conflict, Forbidden, NotFound) as exc:
        messages.error(request, _error_text(exc))
        return 400


@login_required
def command_detail(request, pk):
    try:
        command = selectors.command_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        status = _act(request, command)
        if status is None:
            return redirect(
                request.POST.get("next") == "mine" and "command:mine" or command.get_absolute_url()
            )
        command = selectors.command_get(user=request.user, pk=pk)
    mine = {r.pk for r in command.recipients.all().filter(services.recipient_q(request.user))}
    now = timezone.now()
    return render(
        request,
        "command/detail.html",
        {
            "c": command,
            "mine": mine,
            "rows": [
                (
                    r,
                    r.pk in mine,
                    r.state != RecipientState.DONE and (r.overdue or command.deadline < now),
                )
                for r in command.recipients.all()
            ],
        },
        status=status,
    )


@login_required
@page_rule(may_respond)
def mine(request):
    receipts = list(selectors.my_receipts(user=request.user))
    done = selectors.my_receipts(user=request.user, open_only=False).filter(
        state=RecipientState.DONE
    )[:10]
    return render(
        request,
        "command/mine.html",
        {
            "receipts": receipts,
            "done": done,
            "now": timezone.now(),
            "can_share": bool(positions.unit_path_of(request.user)),
            "position_share_page": True,  # the switch is here: no top-bar indicator
        },
    )


@login_required
def evidence_download(request, pk):
    try:
        item = selectors.evidence_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return evidence_response(
        item, filename_stem=f"command-{item.report.recipient.command_id}-{item.pk}"
    )


# -- the command map ---------------------------------------------------------------------


def _map_area(request):
    paths = jurisdiction_paths(request.user)
    code = request.GET.get("area")
    qs = Area.objects.restrict(request.user)
    area = qs.filter(code=code).first() if code else None
    if code and area is None:
        raise Http404
    if area is None:
        area = Area.objects.filter(path__in=paths).order_by("level").first()
    if area is None:
        raise Http404
    return area


@login_required
@page_rule(may_command_map)
def command_map(request):
    area = _map_area(request)
    commands = selectors.command_list(user=request.user, status=Command.Status.OPEN).filter(
        area_path__startswith=area.path
    )[:30]
    activations = selectors.activation_list(user=request.user).filter(
        area_path__startswith=area.path,
        status__in=[PlanActivation.Status.PROPOSED, PlanActivation.Status.ACTIVE],
    )[:30]
    return render(
        request,
        "command/map.html",
        {"area": area, "commands": commands, "activations": activations},
    )


@login_required
@page_rule(may_command_map)
def map_data(request):
    """The map's layers in the area (each scoped like its own list): open events with a
    location, open warnings at their area's centre, staff last positions with their age,
    key places."""
    from collection.models import Place
    from risk.models import Warning

    area = _map_area(request)
    user = request.user
    now = timezone.now()
    events = (
        Event.objects.restrict(user)
        .filter(area_path__startswith=area.path, status__in=OPEN_STATUSES, location__isnull=False)
        .only("number", "title", "urgency", "location", "status")
        .order_by("-reported_at")[:500]
    )
    warnings = list(
        Warning.objects.restrict(user)
        .filter(area_path__startswith=area.path, status__in=Warning.OPEN)
        .only("id", "subject_label", "colour", "area_path")[:300]
    )
    centres = {
        a.path: a.centroid
        for a in Area.objects.filter(
            path__in={w.area_path for w in warnings}, centroid__isnull=False
        )
    }
    staff = positions.positions_last(user=user, area_path=area.path)[:1000]
    places = (
        Place.objects.restrict(user)
        .filter(area_path__startswith=area.path, location__isnull=False)
        .only("id", "name", "location")[:500]
    )

    def pt(p):
        return [round(p.y, 6), round(p.x, 6)]

    return JsonResponse(
        {
            "area": area.code,
            "events": [
                {
                    "number": e.number,
                    "title": e.title,
                    "urgency": e.urgency,
                    "at": pt(e.location),
                    "url": e.get_absolute_url(),
                }
                for e in events
            ],
            "warnings": [
                {
                    "id": w.pk,
                    "label": w.subject_label,
                    "colour": w.colour_key,
                    "at": pt(centres[w.area_path]),
                }
                for w in warnings
                if w.area_path in centres
            ],
            "staff": [
                {
                    "user": s.user_id,
                    "name": s.user.full_name or s.user.username,
                    "at": pt(s.location),
                    "age_minutes": positions.age_seconds(s.recorded_at, now) // 60,
                }
                for s in staff
            ],
            "places": [{"name": p.name, "at": pt(p.location)} for p in places],
        }
    )
