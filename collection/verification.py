"""Verification (核准) of records departments pushed down to the grids: the tasks, the
grid worker's decision (confirm, correct through the dataset's own update service, or
reject with a reason) and the progress per area."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count, F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.audit import audit_record
from governance.roles import Role
from grids.models import Area

from .models import House, Person, VerificationTask
from .models.base import Dataset


def verification_tasks_create(
    *, dataset: str, rows: list[tuple[str, int, str]], source: str
) -> int:
    """(object id, grid id, area path) for each record pushed down; set-based."""
    VerificationTask.objects.bulk_create(
        [
            VerificationTask(
                dataset=dataset, object_id=str(i), grid_id=g, area_path=p, source=source
            )
            for i, g, p in rows
        ]
    )
    _notify_grid_workers(dataset, rows)
    return len(rows)


def _notify_grid_workers(dataset: str, rows: list[tuple[str, int, str]]) -> None:
    """The records wait on the grid workers of their grids: one notification per grid
    (not per record), linking to their 核准 list."""
    from django.urls import reverse

    from governance.models import RoleAssignment
    from governance.notifications import Text, notify

    per_grid: dict[int, int] = {}
    for _i, grid_id, _p in rows:
        per_grid[grid_id] = per_grid.get(grid_id, 0) + 1
    workers: dict[int, list] = {}
    for ra in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, area_id__in=per_grid, user__is_active=True
    ).select_related("user", "area"):
        workers.setdefault(ra.area_id, []).append(ra)
    label = Dataset(dataset).label
    for grid_id, n in per_grid.items():
        assignments = workers.get(grid_id, [])
        if assignments:
            notify(
                users=[ra.user for ra in assignments],
                kind="collection.verify",
                title=Text(gettext_lazy("待核准:%(n)d 条%(d)s记录"), n=n, d=label),
                body=assignments[0].area.name,
                url=reverse("collection:verifications"),
            )


# What a grid worker may correct per dataset (identifiers are not corrected here).
CORRECTABLE = {
    "people": ("name", "phone", "residence_address", "kind", "relation"),
    "houses": ("address", "use", "owner_name"),
    "organisations": ("name", "kind", "legal_person", "address"),
}


def _correct(actor, task: VerificationTask, corrections: dict, version=None) -> None:
    """Apply a correction through the dataset's own update service (validated, audited)."""
    from .models import Organisation
    from .services import house_update, organisation_update, person_update

    allowed = {k: v for k, v in corrections.items() if k in CORRECTABLE.get(task.dataset, ())}
    if not allowed:
        raise ValidationError(_("请填写更正内容。"), code="required")
    if task.dataset == "people":
        person_update(
            actor=actor, person=Person.objects.get(pk=task.object_id), version=version, **allowed
        )
    elif task.dataset == "houses":
        house = House.objects.get(pk=task.object_id)
        house_update(actor=actor, house=house, version=version, **allowed)
    else:
        organisation_update(
            actor=actor,
            organisation=Organisation.objects.get(pk=task.object_id),
            version=version,
            **allowed,
        )


@transaction.atomic
def verification_decide(
    *,
    actor,
    task: VerificationTask,
    decision: str,
    note: str = "",
    corrections: dict | None = None,
    version: str | None = None,
) -> VerificationTask:
    """The grid worker confirms, corrects (changes applied through the normal service)
    or rejects a pushed-down record."""
    task = VerificationTask.objects.select_for_update().get(pk=task.pk)
    if task.status != VerificationTask.Status.PENDING:
        raise ValidationError(_("该核准任务已处理。"), code="invalid_state")
    if not actor.role_assignments.filter(role=Role.GRID_WORKER, area_id=task.grid_id).exists():
        raise ValidationError(_("只有该网格的网格员可以核准。"), code="forbidden")
    if decision not in ("confirmed", "corrected", "rejected"):
        raise ValidationError(_("请选择确认、更正或驳回。"), code="invalid")
    if decision == "rejected" and not (note or "").strip():
        raise ValidationError(_("驳回须说明原因。"), code="required")
    if decision == "corrected":
        if corrections is not None and not isinstance(corrections, dict):
            raise ValidationError(_("更正内容须为键值对象。"), code="invalid")
        _correct(actor, task, corrections or {}, version)
    task.status, task.note = decision, note
    task.decided_by, task.decided_at = actor, timezone.now()
    task.save()
    audit_record(
        actor=actor,
        action=f"verification.{decision}",
        obj=task,
        area_path=task.area_path,
        changes={"status": ["pending", decision]},
    )
    return task


PROGRESS_LEVELS = (3, 4, 5, 6)  # county, township, village, grid


def verification_task_list(*, user, status: str = ""):
    """The tasks in the user's jurisdiction, for the page and the API alike: with a
    `status` (the page asks for the pending ones) in grid order, otherwise newest first."""
    qs = VerificationTask.objects.restrict(user).select_related("grid")
    if status:
        return qs.filter(status=status).order_by("grid__code", "id")
    return qs.order_by("-created_at")


def verification_progress(*, user, level: int = 6) -> list[dict]:
    """Pending / confirmed / corrected / rejected counts per grid, or rolled up to the
    areas of `level` containing the grids (3 county … 6 grid), in one grouped query
    (plus one for the names of the areas above grids)."""
    if level not in PROGRESS_LEVELS:
        raise ValidationError(_("层级须为 3(县区)、4(乡镇)、5(村社区)或 6(网格)。"), code="invalid")
    counts = {
        "total": Count("id"),
        "pending": Count("id", filter=Q(status="pending")),
        "confirmed": Count("id", filter=Q(status="confirmed")),
        "corrected": Count("id", filter=Q(status="corrected")),
        "rejected": Count("id", filter=Q(status="rejected")),
    }
    tasks = VerificationTask.objects.restrict(user)
    if level == 6:
        rows = tasks.values("grid__code", "grid__name").annotate(**counts).order_by("grid__code")
        return [
            {"grid": r["grid__code"], "name": r["grid__name"], **_progress_counts(r)} for r in rows
        ]
    # The ancestor's path is the first `level` segments of the task's path
    # ("22…/2201…/220102…/" for a county).
    ancestor = Func(
        F("area_path"),
        Value(rf"^((?:[^/]+/){{{level}}})"),
        function="substring",
        output_field=CharField(),
    )
    rows = list(
        tasks.annotate(ancestor=ancestor).values("ancestor").annotate(**counts).order_by("ancestor")
    )
    areas = {
        a["path"]: a
        for a in Area.objects.filter(path__in=[r["ancestor"] for r in rows]).values(
            "path", "code", "name"
        )
    }
    return [
        {
            "area": areas.get(r["ancestor"], {}).get("code", ""),
            "name": areas.get(r["ancestor"], {}).get("name", ""),
            "level": level,
            **_progress_counts(r),
        }
        for r in rows
        if r["ancestor"]
    ]


def _progress_counts(r: dict) -> dict:
    return {
        "total": r["total"],
        "pending": r["pending"],
        "confirmed": r["confirmed"],
        "corrected": r["corrected"],
        "rejected": r["rejected"],
        "done_percent": round(100 * (r["total"] - r["pending"]) / r["total"], 1),
    }
