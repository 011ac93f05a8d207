"""Self-assessment (自评): task books (任务书), their tasks with an owner unit, a roadmap of
milestones (路线图) and a deadline (时间表), progress reports with evidence, and the
挂图作战 board. A task's state is computed, never stored: `task_state` says it for one
task, `with_state` in SQL for a whole queryset — the same rules (tests check both)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from events.evidence import evidence_check, evidence_store
from governance.access import require
from governance.audit import audit_record
from governance.errors import NotFound
from governance.models import Department
from governance.roles import Action
from grids.models import Area

from .models import (
    Indicator,
    Milestone,
    ProgressReport,
    Task,
    TaskBook,
    TaskEvidence,
    TaskState,
)

MAX_MILESTONES = 20
MAX_TEXT = 2000


def task_state(*, progress: int, deadline: date, late_milestone: bool, today: date) -> str:
    """完成 at 100 %; else 逾期 once the deadline or an open milestone's due date has
    passed; else 未开始 without progress, 进行中 with some."""
    if progress >= 100:
        return TaskState.DONE
    if deadline < today or late_milestone:
        return TaskState.OVERDUE
    if progress == 0:
        return TaskState.NOT_STARTED
    return TaskState.IN_PROGRESS


def with_state(tasks, today: date | None = None):
    """The queryset annotated with `state` (and `late`: an open milestone past due)."""
    today = today or timezone.localdate()
    late = Milestone.objects.filter(task=OuterRef("pk"), done_on__isnull=True, due__lt=today)
    return tasks.annotate(late=Exists(late)).annotate(
        state=Case(
            When(progress__gte=100, then=Value(TaskState.DONE)),
            When(Q(deadline__lt=today) | Q(late=True), then=Value(TaskState.OVERDUE)),
            When(progress=0, then=Value(TaskState.NOT_STARTED)),
            default=Value(TaskState.IN_PROGRESS),
            output_field=CharField(),
        )
    )


# -- reads ------------------------------------------------------------------------------


def book_list(*, user):
    return TaskBook.objects.restrict(user).select_related("area")


def book_get(*, user, pk) -> TaskBook:
    book = book_list(user=user).filter(pk=_int(pk)).first()
    if book is None:
        raise NotFound(_("任务书不存在或不在您的管辖范围内。"))
    return book


def task_list(*, user, area: Area | None = None, today: date | None = None):
    tasks = Task.objects.restrict(user)
    if area is not None:
        tasks = tasks.filter(owner_path__startswith=area.path)
    return with_state(
        tasks.select_related("book", "indicator", "owner_area", "owner_department"), today
    ).order_by("deadline", "id")


def task_get(*, user, pk) -> Task:
    task = task_list(user=user).filter(pk=_int(pk)).first()
    if task is None:
        raise NotFound(_("任务不存在或不在您的管辖范围内。"))
    return task


def task_file_get(*, user, pk) -> TaskEvidence:
    item = (
        TaskEvidence.objects.select_related("report")
        .filter(pk=_int(pk), report__task__in=Task.objects.restrict(user))
        .first()
    )
    if item is None:
        raise NotFound(_("文件不存在或不在您的管辖范围内。"))
    return item


def board(*, user, area: Area, today: date | None = None) -> dict:
    """挂图作战: the tasks of `area` (owned inside it) the user may read, counted by state
    and by unit × state, and the overdue ones."""
    tasks = task_list(user=user, area=area, today=today)
    states = [(s.value, s.label) for s in TaskState]
    by_state = dict.fromkeys((s for s, _l in states), 0)
    units: dict[tuple, dict] = {}
    for row in tasks.values(
        "owner_area__code", "owner_area__name", "owner_department__name", "state"
    ).annotate(n=Count("id")):
        key = (row["owner_area__code"] or "", row["owner_department__name"] or "")
        name = row["owner_department__name"] or row["owner_area__name"] or ""
        unit = units.setdefault(key, {"name": name, "counts": dict.fromkeys(by_state, 0)})
        unit["counts"][row["state"]] += row["n"]
        by_state[row["state"]] += row["n"]
    rows = sorted(units.values(), key=lambda u: (-u["counts"][TaskState.OVERDUE], u["name"]))
    for unit in rows:
        unit["cells"] = [unit["counts"][s] for s, _l in states]
        unit["total"] = sum(unit["cells"])
    return {
        "states": states,
        "by_state": [(s, label, by_state[s]) for s, label in states],
        "units": rows,
        "total": sum(by_state.values()),
        "overdue": list(tasks.filter(state=TaskState.OVERDUE)[:50]),
        "chart": {
            "units": [u["name"] for u in rows],
            "series": [
                {"state": s, "name": str(label), "data": [u["counts"][s] for u in rows]}
                for s, label in states
            ],
        },
    }


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# -- writes -----------------------------------------------------------------------------


def _text(value, label, *, max_length) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise ValidationError(_("请填写%(f)s。") % {"f": label}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("%(f)s不能超过 %(n)d 个字。") % {"f": label, "n": max_length}, code="too_long"
        )
    return value


def _date(value, label) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            _("%(f)s不是有效的日期(YYYY-MM-DD)。") % {"f": label}, code="invalid_date"
        ) from None


@transaction.atomic
def book_create(*, actor, area: Area, name, year) -> TaskBook:
    require(actor, area, Action.CONFIGURE, message=_("只有本区域的管理员可以制定任务书。"))
    name = _text(name, _("任务书名称"), max_length=100)
    year = _int(year)
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度必须是 2000 到 2100 之间的年份。"), code="invalid")
    if TaskBook.objects.filter(area=area, name=name).exists():
        raise ValidationError(_("本区域已有同名任务书。"), code="duplicate")
    book = TaskBook.objects.create(
        area=area, area_path=area.path, name=name, year=year, created_by=actor
    )
    audit_record(
        actor=actor,
        action="assessment.taskbook_create",
        obj=book,
        area_path=area.path,
        changes={"name": [None, name], "year": [None, year]},
    )
    return book


def _owner(book: TaskBook, owner: str) -> tuple[Area | None, Department | None, str]:
    """A unit code: an area inside the book's area, or a department of one."""
    owner = (owner or "").strip()
    area = Area.objects.filter(code=owner, path__startswith=book.area_path).first()
    if area is not None:
        return area, None, area.path
    dept = Department.objects.select_related("area").filter(code=owner).first()
    if dept is not None and dept.area.path.startswith(book.area_path):
        return None, dept, dept.area.path
    raise ValidationError(
        _("责任单位“%(o)s”不是 %(a)s 的区域或部门。") % {"o": owner, "a": book.area.name},
        code="invalid_owner",
    )


def milestones_check(rows, deadline: date) -> list[tuple[str, date]]:
    """(name, due) of the roadmap: due dates in order, none after the deadline; every bad
    step named."""
    rows = list(rows or [])
    if len(rows) > MAX_MILESTONES:
        raise ValidationError(
            _("路线图最多 %(n)d 个节点。") % {"n": MAX_MILESTONES}, code="too_many"
        )
    out, errors, previous = [], [], None
    for i, row in enumerate(rows, start=1):
        where = _("第 %(n)d 个节点") % {"n": i}
        try:
            name = _text(row.get("name"), _("节点名称"), max_length=200)
            due = _date(row.get("due"), _("计划完成日期"))
        except (ValidationError, AttributeError) as exc:
            msgs = exc.messages if isinstance(exc, ValidationError) else [_("格式不对。")]
            errors.extend(f"{where}:{m}" for m in msgs)
            continue
        if due > deadline:
            errors.append(
                _("%(w)s(%(n)s)的日期 %(d)s 晚于任务完成时限 %(l)s。")
                % {"w": where, "n": name, "d": due, "l": deadline}
            )
        if previous is not None and due < previous:
            errors.append(
                _("%(w)s(%(n)s)的日期 %(d)s 早于上一个节点。") % {"w": where, "n": name, "d": due}
            )
        previous = due
        out.append((name, due))
    if errors:
        raise ValidationError(errors, code="invalid_milestones")
    return out


@transaction.atomic
def task_create(
    *, actor, book: TaskBook, title, owner: str, deadline, milestones=(), indicator=None
) -> Task:
    """A task of the book: an owner unit (area or department code inside the book's area),
    a deadline, the roadmap; optionally the indicator it serves (by code or instance)."""
    require(actor, book.area, Action.CONFIGURE, message=_("只有本区域的管理员可以分解任务。"))
    title = _text(title, _("任务名称"), max_length=200)
    deadline = _date(deadline, _("完成时限"))
    owner_area, owner_dept, path = _owner(book, owner)
    steps = milestones_check(milestones, deadline)
    if isinstance(indicator, str):
        code = indicator.strip()
        indicator = Indicator.objects.filter(code=code).order_by("-system_id").first()
        if code and indicator is None:
            raise ValidationError(
                _("考核指标“%(c)s”不存在。") % {"c": code}, code="invalid_indicator"
            )
    task = Task.objects.create(
        book=book,
        title=title,
        indicator=indicator or None,
        owner_area=owner_area,
        owner_department=owner_dept,
        owner_path=path,
        deadline=deadline,
        created_by=actor,
    )
    Milestone.objects.bulk_create(
        Milestone(task=task, position=i, name=name, due=due)
        for i, (name, due) in enumerate(steps, start=1)
    )
    audit_record(
        actor=actor,
        action="assessment.task_create",
        obj=task,
        area_path=path,
        changes={
            "title": [None, title],
            "owner": [None, task.owner_name],
            "deadline": [None, str(deadline)],
            "milestones": [None, len(steps)],
        },
    )
    return task


@transaction.atomic
def progress_report(
    *, actor, task: Task, percent, text, milestone=None, files=None
) -> ProgressReport:
    """A progress report by the owner unit: the percentage done (0–100), what was done,
    optionally the milestone it completes, evidence files. 100 % completes the roadmap."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    require(actor, task, Action.CHANGE, message=_("只有责任单位可以报告任务进展。"))
    value = percent if isinstance(percent, int) else _int_or_none(percent)
    if value is None or not 0 <= value <= 100:
        raise ValidationError(_("完成进度必须是 0 到 100 之间的整数。"), code="invalid_percent")
    text = _text(text, _("进展情况"), max_length=MAX_TEXT)
    step = None
    if milestone not in (None, ""):
        step = task.milestones.filter(pk=_int(milestone)).first()
        if step is None:
            raise ValidationError(_("该节点不属于此任务。"), code="invalid_milestone")
        if step.done_on is not None:
            raise ValidationError(_("该节点已完成。"), code="invalid_milestone")
    checked = evidence_check(files)  # after the rights: an outsider learns nothing
    today = timezone.localdate()
    before = task.progress
    report = ProgressReport.objects.create(
        task=task, percent=value, text=text, milestone=step, reported_by=actor
    )
    task.progress = value
    task.save(update_fields=["progress"])
    if step is not None:
        Milestone.objects.filter(pk=step.pk).update(done_on=today)
    if value == 100:
        task.milestones.filter(done_on__isnull=True).update(done_on=today)
    audit_record(
        actor=actor,
        action="assessment.task_progress",
        obj=task,
        area_path=task.owner_path,
        changes={"progress": [before, value], "files": [None, len(checked)]},
    )
    # Last: nothing after the files are written can fail but the commit itself.
    evidence_store(TaskEvidence, actor=actor, checked=checked, report=report)
    return report


def _int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else None
    except (TypeError, ValueError):
        return None
