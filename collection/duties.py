"""Grid workers' duties: the task list and what is due in a grid. The extra-field schemas
of the data classes are in collection/extra_fields.py, verification (核准) in
collection/verification.py."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.access import require
from governance.audit import audit_record
from governance.compiled import CompiledQueries, CompiledQuery, run_listed
from governance.roles import Action
from governance.scoping import jurisdiction_paths, path_in_jurisdiction
from grids.models import Area, ancestor_paths

from .actions import BASEDATA_CHANGE
from .extra_fields import extra_schema_set  # noqa: F401 (its old home: kept for callers)
from .models import House, Person, PersonTag, TaskItem, Visit

# -- the grid task list ------------------------------------------------------------

# Longest period an item may set (a year, as for the special-group tags).
MAX_EVERY_DAYS = 366
# Rules whose every_days means something; the others are "missing data" checks.
PERIODIC_RULES = frozenset({TaskItem.Rule.TAG_VISIT, TaskItem.Rule.RENTAL_VISIT})
EXAMPLES = 50


def _title(title) -> str:
    text = "" if title is None else str(title).strip()
    if not text:
        raise ValidationError(_("请填写事项。"), code="required")
    if len(text) > 200:
        raise ValidationError(_("事项不能超过 200 个字。"), code="invalid")
    return text


def _every_days(value) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EVERY_DAYS:
        raise ValidationError(
            _("周期须为 1 至 %(n)s 天的整数。") % {"n": MAX_EVERY_DAYS}, code="invalid"
        )
    return value


def task_item_list(*, user):
    """The items in the user's jurisdiction and those set above it that apply there
    (a grid worker reads the list of their township and county)."""
    above = {a for p in jurisdiction_paths(user, Action.VIEW) for a in ancestor_paths(p)}
    return (
        TaskItem.objects.filter(
            Q(pk__in=TaskItem.objects.restrict(user).values("pk")) | Q(area_path__in=above)
        )
        .select_related("area")
        .order_by("area_path", "id")
    )


def task_item_areas(*, user):
    """The counties and townships where the user may set items."""
    return Area.objects.restrict(user, BASEDATA_CHANGE).filter(level__in=(3, 4)).order_by("path")


def _require_item_change(actor, area_path: str, message: str) -> None:
    require(actor, area_path, BASEDATA_CHANGE, message=message)


@transaction.atomic
def task_item_create(*, actor, area, title: str, rule: str, every_days=30) -> TaskItem:
    if area.level not in (3, 4):
        raise ValidationError(_("网格事务准入清单由县区或乡镇(街道)设定。"), code="invalid")
    _require_item_change(actor, area.path, _("您无权为该区域设定事项。"))
    if rule not in TaskItem.Rule.values or not (title or "").strip():
        raise ValidationError(_("请填写事项并选择核查规则。"), code="required")
    item = TaskItem.objects.create(
        area=area,
        area_path=area.path,
        title=_title(title),
        rule=rule,
        every_days=_every_days(every_days),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="task_item.create",
        obj=item,
        area_path=area.path,
        changes={"rule": [None, rule], "every_days": [None, item.every_days]},
    )
    return item


@transaction.atomic
def task_item_update(*, actor, item: TaskItem, title=None, every_days=None) -> TaskItem:
    """Change an item's title or period; its area and rule stay (delete and add instead)."""
    _require_item_change(actor, item.area_path, _("您无权修改该事项。"))
    item = TaskItem.objects.select_for_update().get(pk=item.pk)
    wanted = {
        "title": None if title is None else _title(title),
        "every_days": None if every_days is None else _every_days(every_days),
    }
    changes = {
        f: [getattr(item, f), v]
        for f, v in wanted.items()
        if v is not None and v != getattr(item, f)
    }
    for field, (_before, after) in changes.items():
        setattr(item, field, after)
    if changes:
        item.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="task_item.update",
            obj=item,
            area_path=item.area_path,
            changes=changes,
        )
    return item


@transaction.atomic
def task_item_delete(*, actor, item: TaskItem) -> None:
    _require_item_change(actor, item.area_path, _("您无权删除该事项。"))
    audit_record(
        actor=actor,
        action="task_item.delete",
        obj=item,
        area_path=item.area_path,
        changes={
            "title": [item.title, None],
            "rule": [item.rule, None],
            "every_days": [item.every_days, None],
        },
    )
    item.delete()


def _since(now, days: int):
    return now - datetime.timedelta(days=days)


# The duties are the grid worker's home page's largest cost, and compiling their querysets
# cost more than running them: each rule's SQL is compiled once per process
# (governance/compiled.py) from these samples and run with the grid's values.
_PATH = "\x1fsample grid path"
_SINCE = datetime.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)
_DAYS = 987_654_321


def _due_query(build, field: str, **samples) -> CompiledQuery:
    """How many rows and the first EXAMPLES values of `field`, in one statement (the
    total rides along as a window count)."""
    return CompiledQuery(
        lambda **values: (
            build(**values)
            .annotate(due_total=Window(Count("pk")))
            .values_list("due_total", field)[:EXAMPLES]
        ),
        **(samples or {"path": _PATH}),
    )


def _due_rows(query: CompiledQuery, field: str, **values) -> tuple[int, list]:
    rows = query.rows(**values)
    return (rows[0]["due_total"] if rows else 0), [r[field] for r in rows]


def _rental_visit_due(path, since):
    # A rental house none of whose residents was visited within the period (one without
    # residents counts too: nobody there was visited); the longest unvisited first.
    last = (
        Visit.objects.filter(people__house=OuterRef("pk"))
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )
    return (
        House.objects.filter(area_path=path, use=House.Use.RENTAL)
        .annotate(last_visit=Subquery(last))
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
        .order_by(F("last_visit").asc(nulls_first=True), "address")
    )


_PERSON_PHONE = _due_query(
    lambda path: Person.objects.filter(area_path=path, phone_index=""), "name"
)
_PERSON_HOUSE = _due_query(
    lambda path: Person.objects.filter(area_path=path, house__isnull=True), "name"
)
_HOUSE_LOCATION = _due_query(
    lambda path: House.objects.filter(area_path=path, location__isnull=True), "address"
)
_RENTAL_TENANTS = _due_query(
    lambda path: House.objects.filter(area_path=path, use=House.Use.RENTAL).filter(
        ~Exists(Person.objects.filter(house=OuterRef("pk")))
    ),
    "address",
)
_RENTAL_VISIT = _due_query(_rental_visit_due, "address", path=_PATH, since=_SINCE)
_TAG_VISIT = CompiledQuery(
    lambda path, now, cap: (
        tag_visits_due(grid_path=path, now=now, cap_days=cap)
        .annotate(due_total=Window(Count("pk")))
        .values("due_total", "pk", "name", "due_tag", "due_every", "last_visit")[:EXAMPLES]
    ),
    path=_PATH,
    now=_SINCE,
    cap=_DAYS,
)
_TAG_VISIT_BY_TAG = CompiledQuery(
    lambda path, now, cap: (
        tag_visits_due(grid_path=path, now=now, cap_days=cap)
        .order_by()
        .values_list("due_tag")
        .annotate(n=Count("pk"))
    ),
    path=_PATH,
    now=_SINCE,
    cap=_DAYS,
)


def _rule_person_phone(grid, item, now):
    return _due_rows(_PERSON_PHONE, "name", path=grid.path)


def _rule_person_house(grid, item, now):
    return _due_rows(_PERSON_HOUSE, "name", path=grid.path)


def _rule_house_location(grid, item, now):
    return _due_rows(_HOUSE_LOCATION, "address", path=grid.path)


def _rule_rental_tenants(grid, item, now):
    return _due_rows(_RENTAL_TENANTS, "address", path=grid.path)


def _rule_rental_visit(grid, item, now):
    return _due_rows(_RENTAL_VISIT, "address", path=grid.path, since=_since(now, item.every_days))


def _rule_tag_visit(grid, item, now):
    values = {"path": grid.path, "now": now, "cap": int(item.every_days)}
    rows = _TAG_VISIT.rows(**values)
    labels = dict(PersonTag.Tag.choices)
    extra = {
        "details": [
            {
                "id": r["pk"],
                "name": r["name"],
                "tag": r["due_tag"],
                "tag_label": str(labels.get(r["due_tag"], r["due_tag"])),
                "every_days": r["due_every"],
                "last_visit": r["last_visit"].isoformat() if r["last_visit"] else None,
            }
            for r in rows
        ],
        "by_tag": {r["due_tag"]: r["n"] for r in _TAG_VISIT_BY_TAG.rows(**values)} if rows else {},
    }
    return (rows[0]["due_total"] if rows else 0), [r["name"] for r in rows], extra


RULES = {
    TaskItem.Rule.TAG_VISIT: _rule_tag_visit,
    TaskItem.Rule.RENTAL_TENANTS: _rule_rental_tenants,
    TaskItem.Rule.PERSON_PHONE: _rule_person_phone,
    TaskItem.Rule.PERSON_HOUSE: _rule_person_house,
    TaskItem.Rule.HOUSE_LOCATION: _rule_house_location,
    TaskItem.Rule.RENTAL_VISIT: _rule_rental_visit,
}


# The task items of a grid's ancestors: compiled once per process and number of
# ancestors (governance/compiled.py run_listed).
_ITEMS = CompiledQueries(size=64)


def grid_duties(*, user, grid, now=None) -> list[dict]:
    """What the task list asks of this grid that is missing or overdue, item by item:
    one statement per item (two for tag_visit), never a loop over people or houses."""
    if not path_in_jurisdiction(user, grid.path, Action.VIEW):
        return []
    now = now or timezone.now()
    items = run_listed(
        _ITEMS,
        "items",
        lambda paths: TaskItem.objects.filter(area_path__in=paths).order_by("id"),
        paths=ancestor_paths(grid.path),
    )
    out = []
    for item in items:
        due, names, *extra = RULES[item.rule](grid, item, now)
        out.append(
            {
                "id": item.pk,
                "title": item.title,
                "rule": item.rule,
                "every_days": item.every_days,
                "due": due,
                "examples": names,
                **(extra[0] if extra else {}),
            }
        )
    return out


def tag_visits_due(*, grid_path: str, now=None, cap_days: int | None = None):
    """People of the grid with an active special-group tag whose last visit is older
    than the smallest visit frequency of their active tags (or who were never visited).
    With `cap_days` (a task item's every_days) the period is at most that long: the
    stricter of the item and the tag applies.

    One statement: per person, correlated sub-queries pick the strictest active tag
    (`due_tag`, `tag_every`) and the last visit (`last_visit`); `due_every` is the
    period that applies."""
    now = now or timezone.now()
    strictest = PersonTag.objects.filter(person=OuterRef("pk"), end_date__isnull=True).order_by(
        "visit_every_days", "tag"
    )
    last = (
        Visit.objects.filter(people=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
    )
    due_every = (
        F("tag_every")
        if cap_days is None
        else Least(F("tag_every"), Value(int(cap_days)), output_field=IntegerField())
    )
    every = Func(
        F("due_every"),
        template="make_interval(days => %(expressions)s)",
        output_field=DurationField(),
    )
    return (
        Person.objects.filter(area_path=grid_path)
        .annotate(
            due_tag=Subquery(strictest.values("tag")[:1]),
            tag_every=Subquery(strictest.values("visit_every_days")[:1]),
            last_visit=Subquery(last),
        )
        .filter(tag_every__isnull=False)
        .annotate(due_every=due_every)
        .filter(
            Q(last_visit__isnull=True)
            | Q(
                last_visit__lt=ExpressionWrapper(
                    Value(now, output_field=DateTimeField()) - every, output_field=DateTimeField()
                )
            )
        )
        .order_by(F("last_visit").asc(nulls_first=True), "name", "pk")
    )
