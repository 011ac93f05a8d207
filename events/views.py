from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.choices import choice_label
from governance.files import stored_file_response
from governance.listing import sort_queryset
from governance.navigation import page_rule

from . import permissions as perm
from . import selectors, services
from .actions import may_report
from .attachments import EXTENSIONS, INLINE_TYPES, serve_headers
from .flows import ACTION_LABELS, EventProcess, available_actions
from .forms import ActionForm, ReportForm, SuperviseForm
from .masking import phone_for, reporter_name_for
from .models import Attachment, Event, Status, Urgency
from .routing import suggested_department
from .sources import PAGE, report_source

# The columns a list may be sorted by (?sort=key or -key); anything else keeps the
# selector's order (most urgent deadline first).
INBOX_SORTS = {
    "number": ("number",),
    "reported": ("reported_at", "id"),
    "urgency": ("urgency_rank", "-reported_at"),
    "deadline": ("step_deadline", "-reported_at"),
    "grid": ("grid__code", "-reported_at"),
}


def _sorted_inbox(qs, sort: str):
    if sort.removeprefix("-") == "urgency":
        qs = qs.annotate(
            urgency_rank=Case(
                When(urgency=Urgency.CRITICAL, then=Value(0)),
                When(urgency=Urgency.URGENT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
    return sort_queryset(qs, sort, INBOX_SORTS)


# What a row of the inbox page shows (events/inbox.html), and nothing more: a dispatcher's
# page is the busiest list of the day, and the other thirty columns of a case and of its
# areas cost a third of its rows' Python.
INBOX_PAGE_COLUMNS = (
    "number",
    "title",
    "urgency",
    "status",
    "due_state",
    "reported_at",
    "step_deadline",
    "category__name",
    "grid__name",
    "current_area__name",
    "current_department__name",
)


_LOCAL_MINUTE, _LOCAL_DAY_MINUTE = "%Y-%m-%d %H:%M", "%m-%d %H:%M"


def inbox_rows(cases) -> list[dict]:
    """What each row of the inbox page shows, as plain values: the row is then drawn once
    per process for the same values ({% memo %} in events/inbox.html) — a county's cases
    are the same rows for all its dispatchers, and the rows were four fifths of the
    page's Python. Times in the active time zone, as the template's `date` filter gives
    them; labels still lazy (translated in the fragment, whose key holds the language)."""
    field = Event._meta.get_field
    urgency, status, due = field("urgency"), field("status"), field("due_state")
    rows = []
    for e in cases:
        deadline = e.step_deadline
        rows.append(
            {
                "number": e.number,
                "title": e.title,
                "category": e.category.name,
                "urgency": e.urgency,
                "urgency_label": choice_label(urgency, e.urgency),
                "status_label": choice_label(status, e.status),
                "grid": e.grid.name if e.grid_id else "",
                "reported": timezone.localtime(e.reported_at).strftime(_LOCAL_MINUTE),
                "unit": (
                    e.current_department.name if e.current_department_id else e.current_area.name
                ),
                "deadline": (
                    timezone.localtime(deadline).strftime(_LOCAL_DAY_MINUTE) if deadline else ""
                ),
                "due_state": e.due_state,
                "due_label": choice_label(due, e.due_state),
            }
        )
    return rows


@login_required
def inbox(request):
    box = request.GET.get("box", "todo")
    if box not in selectors.INBOX_BOXES:
        box = "todo"
    q, status, sort = request.GET.get("q", ""), request.GET.get("status", ""), _inbox_sort(request)
    counts = selectors.inbox_counts(user=request.user)
    if q or (status and status not in Status.values):
        # A text search (any words) or an unknown status: built for this request.
        cases = _inbox_page_columns(
            selectors.inbox(user=request.user, box=box, q=q, status=status), sort
        )
    else:
        # The everyday lists: kept per jurisdiction, the box's count read a moment ago
        # with the tabs' (not counted twice).
        cases = selectors.kept_inbox(
            user=request.user,
            box=box,
            status=status,
            shape=lambda qs: _inbox_page_columns(qs, sort),
            shape_key=f"page {sort}",
            per_page=INBOX_PER_PAGE,
            count=None if status or box not in counts else counts[box],
        )
    page = Paginator(cases, INBOX_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/inbox.html",
        {
            "box": box,
            "page": page,
            "rows": inbox_rows(page),
            "counts": counts,
            "statuses": Status.choices,
            "may_report": may_report(request.user),
        },
    )


INBOX_PER_PAGE = 20


def _inbox_sort(request) -> str:
    """The ?sort= asked for if it is one of INBOX_SORTS (else "": the selector's order)."""
    sort = request.GET.get("sort", "")
    return sort if sort.removeprefix("-") in INBOX_SORTS else ""


def _inbox_page_columns(qs, sort: str):
    return _sorted_inbox(qs, sort).only(*INBOX_PAGE_COLUMNS)


@login_required
def attachment_download(request, pk, thumbnail=False):
    """Serve an upload only to users who may see its case, as the verified type, with a
    generated name; never `inline` for types a browser could run script in."""
    try:
        att = selectors.attachment_get(user=request.user, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    field, content_type = att.file, att.content_type
    if thumbnail:
        if not att.thumbnail:
            raise Http404
        field, content_type = att.thumbnail, "image/jpeg"
    if content_type not in EXTENSIONS:  # rows stored before types were verified
        content_type = "application/octet-stream"
    inline = content_type.startswith(INLINE_TYPES)
    name = f"{att.event.number}-{att.pk}{EXTENSIONS.get(content_type, '.bin')}"
    # A thumbnail is a re-encoded JPEG under its own random name that never changes: the
    # browser may keep it (privately) for a year, so an inbox of photos loads once.
    response = stored_file_response(
        field.name,
        storage=field.storage,
        content_type=content_type,
        filename=name,
        inline=inline,
        immutable=thumbnail,
    )
    for header, value in serve_headers(content_type).items():
        response.setdefault(header, value)
    return response


@login_required
def detail(request, number):
    try:
        event = selectors.event_get(user=request.user, number=number)
    except Event.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        return _act(request, event)
    process = EventProcess(event)
    allowed = available_actions(event, request.user)
    departments, units = [], []
    if "dispatch" in allowed or "transfer" in allowed:
        departments, units = selectors.dispatch_choices(event=event)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "timeline": selectors.case_trail(event=event),
            "actions": [(name, getattr(process, name).label) for name in allowed],
            "departments": departments,
            "units": units,
            "phone": phone_for(request.user, event),
            "reporter_name": reporter_name_for(request.user, event),
            "supervise_form": SuperviseForm(),
            "action_labels": ACTION_LABELS,
            # The rules the services check, so no form is shown that would be refused.
            "can_supervise": perm.can_supervise(request.user, event),
            "can_answer": perm.can_answer_supervision(request.user, event),
            "suggested": suggested_department(event) if departments else None,
        },
    )


def _done_message(action: str, event: Event) -> str:
    """Say what happened and where the case went, not only that something worked."""
    unit = event.current_department.name if event.current_department else event.current_area.name
    where = {
        "dispatch": _("已分派至%(u)s。"),
        "transfer": _("已转派至%(u)s。"),
        "escalate": _("已上报至%(u)s。"),
        "send_back": _("已退回至%(u)s。"),
        "send_down": _("已退回至%(u)s。"),
        "return": _("已退回至%(u)s。"),
    }.get(action)
    if where:
        return where % {"u": unit}
    if action == "close":
        return _("已办结,等待核查。")
    label = ACTION_LABELS.get(action, action)
    return _("“%(a)s”已完成,事件当前状态:%(s)s。") % {"a": label, "s": event.get_status_display()}


def _act(request, event):
    kind = request.POST.get("kind", "transition")
    try:
        if kind == "supervise":
            form = SuperviseForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请完整填写督办信息。"))
            services.event_supervise(actor=request.user, event=event, **form.cleaned_data)
            done = _("督办已发出。")
        elif kind == "answer":
            card = event.supervisions.get(pk=request.POST.get("card"))
            services.supervision_answer(
                actor=request.user, card=card, answer=request.POST.get("answer", "")
            )
            done = _("督办反馈已提交。")
        elif kind in ("suspend", "resume"):
            if kind == "suspend":
                services.event_suspend(
                    actor=request.user, event=event, reason=request.POST.get("reason", "")
                )
                done = _("已挂起,暂停计时。")
            else:
                services.event_resume(actor=request.user, event=event)
                done = _("已恢复计时。")
        else:
            form = ActionForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(" ".join(str(e) for e in form.errors.values()))
            d = form.cleaned_data
            kwargs = selectors.transition_targets(
                user=request.user,
                event=event,
                department=d["department"],
                unit=d["unit"],
                into=d["into"],
            )
            if d["rating"]:
                kwargs["rating"] = d["rating"]
            event = services.event_transition(
                actor=request.user,
                event=event,
                action=d["action"],
                note=d["note"],
                files=d["files"],
                **kwargs,
            )
            done = _done_message(d["action"], event)
        messages.success(request, done)
    except ValidationError as exc:
        text = " ".join(getattr(exc, "messages", [])) or _("操作对象不存在。")
        messages.error(request, text)
    return redirect("events:detail", number=event.number)


@login_required
@page_rule(may_report)
def report(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_report(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                category=d["category"],
                source=report_source(actor=request.user, channel=PAGE),
                lng=d["lng"],
                lat=d["lat"],
                address=d["address"],
                urgency=d["urgency"],
                files=d["photos"],
            )
        except (ValidationError, ValueError) as exc:
            form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已上报,事件编号 %(n)s。") % {"n": event.number})
            return redirect("events:detail", number=event.number)
    from grids.selectors import area_roots, pick_map_context

    roots = area_roots(user=request.user)
    center = (
        (roots[0].centroid.x, roots[0].centroid.y)
        if roots and roots[0].centroid
        else (125.32, 43.88)
    )
    return render(
        request,
        "events/report.html",
        {
            "form": form,
            "center": center,
            **pick_map_context(user=request.user, area=roots[0] if roots else None),
        },
    )
