"""Grid workers' duties: the task list and what is due in a grid, extra-field schemas,
and verification (核准) of records pushed down from departments."""

from __future__ import annotations

import jsonschema
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.roles import Action, Role
from governance.scoping import jurisdiction_paths, path_in_jurisdiction
from grids.models import ancestor_paths

from .models import House, Person, PersonTag, Visit
from .work_models import ExtraFieldSchema, TaskItem, VerificationTask

# -- the grid task list ------------------------------------------------------------


@transaction.atomic
def task_item_create(*, actor, area, title: str, rule: str, every_days: int = 30) -> TaskItem:
    if area.level not in (3, 4):
        raise ValidationError(_("网格事务准入清单由县区或乡镇(街道)设定。"), code="invalid")
    if not path_in_jurisdiction(actor, area.path, Action.CHANGE):
        raise ValidationError(_("您无权为该区域设定事项。"), code="forbidden")
    if rule not in TaskItem.Rule.values or not (title or "").strip():
        raise ValidationError(_("请填写事项并选择核查规则。"), code="required")
    item = TaskItem.objects.create(area=area, area_path=area.path, title=title, rule=rule,
                                   every_days=max(1, int(every_days)), created_by=actor)
    audit_record(actor=actor, action="task_item.create", obj=item, area_path=area.path,
                 changes={"rule": [None, rule], "every_days": [None, item.every_days]})
    return item


def grid_duties(*, user, grid) -> list[dict]:
    """What the task list asks of this grid that is missing or overdue, item by item."""
    if not path_in_jurisdiction(user, grid.path, Action.VIEW):
        return []
    items = TaskItem.objects.filter(area_path__in=ancestor_paths(grid.path)).order_by("id")
    people = Person.objects.filter(area_path=grid.path)
    out = []
    for item in items:
        extra = {}
        if item.rule == TaskItem.Rule.TAG_VISIT:
            # Each tag has its own frequency: the item's every_days no longer applies.
            due = tag_visits_due(grid_path=grid.path)
            rows = list(due.values("pk", "name", "due_tag", "due_every", "last_visit")[:50])
            names = [r["name"] for r in rows]
            labels = dict(PersonTag.Tag.choices)
            extra = {
                "details": [{"id": r["pk"], "name": r["name"], "tag": r["due_tag"],
                             "tag_label": str(labels.get(r["due_tag"], r["due_tag"])),
                             "every_days": r["due_every"],
                             "last_visit": r["last_visit"].isoformat() if r["last_visit"]
                             else None} for r in rows],
                "by_tag": dict(due.order_by().values_list("due_tag").annotate(n=Count("pk"))),
            }
        elif item.rule == TaskItem.Rule.RENTAL_TENANTS:
            due = (House.objects.filter(area_path=grid.path, use=House.Use.RENTAL)
                   .annotate(n=Count("residents")).filter(n=0))
            names = [h.address for h in due[:50]]
        else:
            due = people.filter(phone_index="")  # no phone: its blind index is empty
            names = [p.name for p in due[:50]]
        out.append({"id": item.pk, "title": item.title, "rule": item.rule,
                    "every_days": item.every_days, "due": due.count(), "examples": names,
                    **extra})
    return out


def tag_visits_due(*, grid_path: str, now=None):
    """People of the grid with an active special-group tag whose last visit is older
    than the smallest visit frequency of their active tags (or who were never visited).

    One statement: per person, correlated sub-queries pick the strictest active tag
    (`due_tag`, `due_every`) and the last visit (`last_visit`)."""
    now = now or timezone.now()
    strictest = (PersonTag.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
                 .order_by("visit_every_days", "tag"))
    last = (Visit.objects.filter(people=OuterRef("pk")).order_by("-visited_at")
            .values("visited_at")[:1])
    every = Func(F("due_every"), template="make_interval(days => %(expressions)s)",
                 output_field=DurationField())
    return (Person.objects.filter(area_path=grid_path)
            .annotate(due_tag=Subquery(strictest.values("tag")[:1]),
                      due_every=Subquery(strictest.values("visit_every_days")[:1]),
                      last_visit=Subquery(last))
            .filter(due_every__isnull=False)
            .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=ExpressionWrapper(
                Value(now, output_field=DateTimeField()) - every,
                output_field=DateTimeField())))
            .order_by(F("last_visit").asc(nulls_first=True), "name", "pk"))


# -- extra fields -----------------------------------------------------------------------


def extra_schema(dataset: str) -> dict:
    """The administrator's extra-field schema of a data class ({} if none)."""
    return ExtraFieldSchema.objects.filter(dataset=dataset).values_list(
        "schema", flat=True).first() or {}


def validate_extra(dataset: str, extra: dict | None) -> None:
    """Against the class's schema, with the same per-field Chinese messages as the
    special-group tags."""
    from .tags import tag_extra_errors

    if not isinstance(extra, dict):
        raise ValidationError(_("扩展信息须为键值对象。"), code="extra_invalid")
    schema = extra_schema(dataset)
    if not schema:
        return
    errors = tag_extra_errors(schema, extra or {})
    if errors:
        raise ValidationError(" ".join(errors.values()), code="extra_invalid")


@transaction.atomic
def extra_schema_set(*, actor, dataset: str, schema: dict) -> ExtraFieldSchema:
    if not any(p.count("/") == 1 for p in jurisdiction_paths(actor, Action.CONFIGURE)):
        raise ValidationError(_("只有省级管理员可以配置扩展字段。"), code="forbidden")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValidationError(_("JSON Schema 无效:%(m)s") % {"m": exc.message},
                              code="invalid") from None
    obj, _created = ExtraFieldSchema.objects.update_or_create(dataset=dataset,
                                                             defaults={"schema": schema})
    audit_record(actor=actor, action="extra_schema.set", obj=obj,
                 changes={"dataset": [None, dataset]})
    return obj


# -- verification (核准) ---------------------------------------------------------------


def verification_tasks_create(*, dataset: str, rows: list[tuple[str, int, str]],
                              source: str) -> int:
    """(object id, grid id, area path) for each record pushed down; set-based."""
    VerificationTask.objects.bulk_create([
        VerificationTask(dataset=dataset, object_id=str(i), grid_id=g, area_path=p,
                         source=source) for i, g, p in rows])
    return len(rows)


# What a grid worker may correct per dataset (identifiers are not corrected here).
CORRECTABLE = {
    "people": ("name", "phone", "residence_address", "kind", "relation"),
    "houses": ("address", "use", "owner_name"),
    "organisations": ("name", "kind", "legal_person", "address"),
}


def _correct(actor, task: VerificationTask, corrections: dict) -> None:
    """Apply a correction through the dataset's own update service (validated, audited)."""
    from .models import Organisation
    from .services import house_update, organisation_update, person_update

    allowed = {k: v for k, v in corrections.items()
               if k in CORRECTABLE.get(task.dataset, ())}
    if not allowed:
        raise ValidationError(_("请填写更正内容。"), code="required")
    if task.dataset == "people":
        person_update(actor=actor, person=Person.objects.get(pk=task.object_id), **allowed)
    elif task.dataset == "houses":
        house_update(actor=actor, house=House.objects.get(pk=task.object_id), **allowed)
    else:
        organisation_update(actor=actor, organisation=Organisation.objects.get(
            pk=task.object_id), **allowed)


@transaction.atomic
def verification_decide(*, actor, task: VerificationTask, decision: str, note: str = "",
                        corrections: dict | None = None) -> VerificationTask:
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
        _correct(actor, task, corrections or {})
    task.status, task.note = decision, note
    task.decided_by, task.decided_at = actor, timezone.now()
    task.save()
    audit_record(actor=actor, action=f"verification.{decision}", obj=task,
                 area_path=task.area_path, changes={"status": ["pending", decision]})
    return task


def verification_progress(*, user) -> list[dict]:
    """Per grid: pending / confirmed / corrected / rejected counts, one query."""
    rows = (VerificationTask.objects.restrict(user).values("grid__code", "grid__name")
            .annotate(total=Count("id"),
                      pending=Count("id", filter=Q(status="pending")),
                      confirmed=Count("id", filter=Q(status="confirmed")),
                      corrected=Count("id", filter=Q(status="corrected")),
                      rejected=Count("id", filter=Q(status="rejected")))
            .order_by("grid__code"))
    return [{"grid": r["grid__code"], "name": r["grid__name"], "total": r["total"],
             "pending": r["pending"], "confirmed": r["confirmed"],
             "corrected": r["corrected"], "rejected": r["rejected"],
             "done_percent": round(100 * (r["total"] - r["pending"]) / r["total"], 1)}
            for r in rows]
