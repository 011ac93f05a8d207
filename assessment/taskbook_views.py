"""Self-assessment pages: the 挂图作战 board, task books and their tasks, a task with its
roadmap and progress reports (evidence files served after the task's scope check)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from events.evidence import MAX_EVIDENCE_FILES, evidence_response
from governance.access import allowed
from governance.errors import Conflict, Forbidden, NotFound
from governance.navigation import page_rule
from governance.roles import Action
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import taskbook
from .actions import may_read_schemes
from .models import TaskState


def _area(request) -> Area:
    """The area of ?area=CODE the user may read, else the widest one they may."""
    code = request.GET.get("area") or ""
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None or not allowed(request.user, area, Action.VIEW):
            raise Http404
        return area
    area = (
        Area.objects.filter(path__in=jurisdiction_paths(request.user))
        .order_by("level", "code")
        .first()
    )
    if area is None:
        raise Http404
    return area


def _refused(request, exc) -> None:
    if isinstance(exc, Forbidden):
        raise PermissionDenied from None
    messages.error(request, " ".join(exc.messages))


@login_required
@page_rule(may_read_schemes)
def board(request):
    """挂图作战: an area's tasks by state and by unit, overdue ones first and in red."""
    area = _area(request)
    data = taskbook.board(user=request.user, area=area)
    return render(
        request,
        "assessment/board.html",
        {
            "area": area,
            "children": Area.objects.filter(parent=area).order_by("code")[:200],
            "parent": area.parent
            if area.parent_id and allowed(request.user, area.parent, Action.VIEW)
            else None,
            "board": data,
            "overdue": TaskState.OVERDUE,
        },
    )


@login_required
@page_rule(may_read_schemes)
def books(request):
    status = 200
    if request.method == "POST":
        area = Area.objects.filter(code=request.POST.get("area", "")).first()
        if area is not None and not allowed(request.user, area, Action.VIEW):
            raise Http404  # an area outside one's jurisdiction does not exist for them
        try:
            if area is None:
                raise ValidationError(_("请填写本辖区的区域代码。"))
            book = taskbook.book_create(
                actor=request.user,
                area=area,
                name=request.POST.get("name", ""),
                year=request.POST.get("year", ""),
            )
        except (Forbidden, ValidationError) as exc:
            _refused(request, exc)
            status = 400
        else:
            messages.success(request, _("任务书已建立。"))
            return redirect("assessment:book", pk=book.pk)
    return render(
        request,
        "assessment/books.html",
        {
            "books": taskbook.book_list(user=request.user).order_by("-year", "name"),
            "can_create": bool(jurisdiction_paths(request.user, Action.CONFIGURE)),
            "year": timezone.localdate().year,
        },
        status=status,
    )


def _milestone_lines(text: str) -> list[dict]:
    """Lines "YYYY-MM-DD 节点名称" of the form's roadmap box."""
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            due, _sep, name = line.partition(" ")
            rows.append({"due": due, "name": name})
    return rows


@login_required
@page_rule(may_read_schemes)
def book_detail(request, pk):
    try:
        book = taskbook.book_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        try:
            task = taskbook.task_create(
                actor=request.user,
                book=book,
                title=request.POST.get("title", ""),
                owner=request.POST.get("owner", ""),
                deadline=request.POST.get("deadline", ""),
                milestones=_milestone_lines(request.POST.get("milestones", "")),
                indicator=request.POST.get("indicator", ""),
            )
        except (Forbidden, ValidationError) as exc:
            _refused(request, exc)
            status = 400
        else:
            messages.success(request, _("任务已添加。"))
            return redirect("assessment:task", pk=task.pk)
    tasks = taskbook.task_list(user=request.user).filter(book=book)
    return render(
        request,
        "assessment/book.html",
        {
            "book": book,
            "tasks": tasks,
            "can_edit": allowed(request.user, book.area, Action.CONFIGURE),
            "form": request.POST if status == 400 else {},
        },
        status=status,
    )


@login_required
@page_rule(may_read_schemes)
def task_detail(request, pk):
    try:
        task = taskbook.task_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        try:
            taskbook.progress_report(
                actor=request.user,
                task=task,
                percent=request.POST.get("percent"),
                text=request.POST.get("text", ""),
                milestone=request.POST.get("milestone") or None,
                files=request.FILES.getlist("files"),
            )
        except (Forbidden, ValidationError, Conflict) as exc:
            _refused(request, exc)
            status = 400
        else:
            messages.success(request, _("进展已报告。"))
            return redirect("assessment:task", pk=task.pk)
    today = timezone.localdate()
    milestones = list(task.milestones.all())
    for m in milestones:
        m.late = m.done_on is None and m.due < today
    return render(
        request,
        "assessment/task.html",
        {
            "task": task,
            "state_label": TaskState(task.state).label,
            "milestones": milestones,
            "open_milestones": [m for m in milestones if m.done_on is None],
            "reports": task.reports.prefetch_related("files"),
            "can_report": allowed(request.user, task, Action.CHANGE),
            "max_files": MAX_EVIDENCE_FILES,
        },
        status=status,
    )


@login_required
def task_file(request, pk):
    try:
        item = taskbook.task_file_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return evidence_response(item, filename_stem=f"task-{item.report.task_id}-{item.pk}")
