"""Reads of cases. Every one starts from Event.objects.restrict(user, …)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from governance.models import Department, RoleAssignment
from governance.roles import UNIT_ROLES, Role
from grids.models import ancestor_paths

from .models import (
    OPEN_STATUSES,
    Attachment,
    DueState,
    Event,
    Status,
    SupervisionCard,
    Trace,
)

INBOX_BOXES = ("todo", "done", "supervised", "overdue", "all")


# Areas come along for their names; their boundaries (tens of kB each) must not.
_AREA_GEOMETRY = [f"{rel}__{f}" for rel in ("current_area", "grid")
                  for f in ("boundary", "boundary_simple")]


def event_list(*, user):
    return Event.objects.restrict(user).select_related(
        "category", "current_area", "current_department", "grid").defer(*_AREA_GEOMETRY)


def event_get(*, user, number: str) -> Event:
    return event_list(user=user).get(number=number)


def attachment_get(*, user, pk: int) -> Attachment:
    """An attachment of a case the user may see (404 otherwise, like the case itself)."""
    return Attachment.objects.select_related("event").get(
        pk=pk, event__in=Event.objects.restrict(user).values("pk"))


def _held_by_user_q(user) -> Q:
    """Cases currently held by one of the user's units or departments.

    The ids are resolved first and passed as literal lists: with sub-selects in an OR
    the planner cannot use the (current_area, status) index and reads every case.
    """
    units = list(RoleAssignment.objects.filter(user=user, role__in=UNIT_ROLES)
                 .values_list("area_id", flat=True))
    depts = list(RoleAssignment.objects.filter(user=user, role=Role.DEPARTMENT_HANDLER,
                                               department__isnull=False)
                 .values_list("department_id", flat=True))
    return (Q(current_department__isnull=True, current_area_id__in=units)
            | Q(current_department_id__in=depts))


def inbox(*, user, box: str = "todo", category: str = "", q: str = "", status: str = ""):
    """The user's boxes: 待办 (held by my units, open), 已办 (I acted on it, no longer
    mine), 督办 (open supervision cards), 超期 (mine and overdue)."""
    qs = event_list(user=user)
    held = _held_by_user_q(user)
    waiting = [Status.PENDING_REVIEW, Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED,
               Status.HANDLING]
    if box == "todo":
        qs = qs.filter(held, status__in=waiting)
    elif box == "done":
        acted = Trace.objects.filter(event=OuterRef("pk"), actor=user)
        qs = qs.filter(Exists(acted)).exclude(held & Q(status__in=waiting))
    elif box == "supervised":
        open_cards = SupervisionCard.objects.filter(event=OuterRef("pk"),
                                                    answered_at__isnull=True)
        qs = qs.filter(Exists(open_cards))
    elif box == "overdue":
        qs = qs.filter(held, due_state=DueState.OVERDUE, status__in=OPEN_STATUSES)
    if category:
        qs = qs.filter(category__code__startswith=category)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(address__icontains=q))
    return qs.order_by("step_deadline", "-reported_at")


def inbox_counts(*, user) -> dict[str, int]:
    return {box: inbox(user=user, box=box).count() for box in INBOX_BOXES if box != "all"}


def event_timeline(*, event: Event):
    return event.traces.select_related("actor").prefetch_related("attachments")


def status_counts(*, user) -> dict[str, int]:
    rows = event_list(user=user).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def dispatch_departments(*, event: Event):
    """The departments a case may be dispatched or transferred to: those of the area
    where it happened and of the areas above it — never another county's (issue 8,
    item 2). The page offers exactly these; the services accept nothing else."""
    return (Department.objects.filter(area__path__in=ancestor_paths(event.area_path))
            .select_related("area").order_by("area__level", "name"))
