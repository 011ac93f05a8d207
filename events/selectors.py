"""Reads of cases. Every one starts from Event.objects.restrict(user, …)."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from governance.compiled import (
    SAMPLE_INT,
    CompiledQueries,
    CompiledQuery,
    KeptPages,
    run_listed,
)
from governance.errors import Forbidden, ServiceError
from governance.models import Department
from governance.roles import UNIT_ROLES, Role
from governance.scoping import scope_of, user_role_rows
from grids.models import Area, ancestor_paths, outlines_of

from .models import (
    CASE_AREAS,
    OPEN_STATUSES,
    Attachment,
    DueState,
    Event,
    Status,
    SupervisionCard,
    Trace,
)

INBOX_BOXES = ("todo", "done", "supervised", "overdue", "all")


# Areas come along for their names; their outlines (tens of kB each) must not.
_AREA_GEOMETRY = outlines_of("current_area", "grid")


_LIST_DEFERRED = [
    "location",
    "description",
    "reporter_phone",
    "current_area__centroid",
    "grid__centroid",
]


def event_list(*, user):
    return (
        Event.objects.restrict(user)
        .select_related("category", "current_area", "current_department", "grid")
        .defer(*_AREA_GEOMETRY)
    )


# A case by its number: the case page, its steps and the merge target. Its statement
# (the case with seven areas, its category and department) cost more to compile than
# PostgreSQL spends running it. Its shape follows only what restrict() reads — the user's
# role rows (none for a deactivated user) and the cases shared with them — so it is
# compiled once per shape of jurisdiction and process (governance.scoping.Scope), the
# number and the jurisdiction's areas parameters.
_CASE_BY_NUMBER = CompiledQueries(size=1024)


def event_get(*, user, number: str) -> Event:
    scope = scope_of(Event, user)
    query = scope.compiled(
        _CASE_BY_NUMBER,
        "case",
        lambda number, **_areas: with_case_areas(event_list(user=scope.principal)).filter(
            number=number
        ),
        number="\x1fno case has this number",
    )
    try:
        cases = query.objects(**scope.run_with(number=str(number)))
    except EmptyResultSet:  # a user with no jurisdiction at all
        cases = []
    if not cases:
        raise Event.DoesNotExist(f"no case {number!r} in the user's jurisdiction")
    return cases[0]


def with_case_areas(qs):
    """`qs` with all of a case's areas (CASE_AREAS), without their outlines."""
    return qs.select_related(*CASE_AREAS).defer(*outlines_of(*CASE_AREAS))


def attachment_get(*, user, pk: int) -> Attachment:
    """An attachment of a case the user may see (404 otherwise, like the case itself)."""
    return Attachment.objects.select_related("event").get(
        pk=pk, event__in=Event.objects.restrict(user).values("pk")
    )


def _held_by_user_q(user) -> Q:
    """Cases currently held by one of the user's units or departments.

    The ids are resolved first and passed as literal lists: with sub-selects in an OR
    the planner cannot use the (current_area, status) index and reads every case.
    """
    rows = user_role_rows(user)  # read once per request (governance/scoping.py)
    units = [area_id for role, area_id, _p, _d in rows if role in UNIT_ROLES]
    depts = [d for role, _a, _p, d in rows if role == Role.DEPARTMENT_HANDLER and d]
    return Q(current_department__isnull=True, current_area_id__in=units) | Q(
        current_department_id__in=depts
    )


# The statuses in which a case waits on the unit or department holding it.
WAITING_ON_HOLDER = [
    Status.PENDING_REVIEW,
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.HANDLING,
]


def _to_verify_q(user, user_id: int) -> Q:
    """Closed cases waiting for this user's 核查: the rule of `permissions.can_verify`
    (the reporter, or a grid worker of the case's grid) as a query."""
    grids = [area_id for role, area_id, _p, _d in user_role_rows(user) if role == Role.GRID_WORKER]
    return Q(status=Status.CLOSED) & (Q(reporter_id=user_id) | Q(grid_id__in=grids))


def _todo_q(user, user_id: int) -> Q:
    """Everything that waits on the user: the steps of the cases their units hold, and
    the verification of the cases closed for them."""
    return (_held_by_user_q(user) & Q(status__in=WAITING_ON_HOLDER)) | _to_verify_q(user, user_id)


def inbox(*, user, box: str = "todo", category: str = "", q: str = "", status: str = ""):
    """The user's boxes: 待办 (waiting on me: held by my units, or closed and mine to
    verify), 已办 (I acted on it, no longer waiting on me), 督办 (open supervision
    cards), 超期 (waiting on me and overdue)."""
    return _inbox(user, user.pk, box=box, category=category, q=q, status=status)


def _inbox(user, user_id: int, *, box: str, category: str = "", q: str = "", status: str = ""):
    """`inbox` of the user whose scope is `user` (a user or a ScopePrincipal) and whose
    id is `user_id` (the one thing besides the scope the boxes read)."""
    qs = event_list(user=user)
    held = _held_by_user_q(user)
    if box == "todo":
        qs = qs.filter(_todo_q(user, user_id))
    elif box == "done":
        acted = Trace.objects.filter(event=OuterRef("pk"), actor_id=user_id)
        qs = qs.filter(Exists(acted)).exclude(_todo_q(user, user_id))
    elif box == "supervised":
        open_cards = SupervisionCard.objects.filter(event=OuterRef("pk"), answered_at__isnull=True)
        qs = qs.filter(Exists(open_cards))
    elif box == "overdue":
        qs = qs.filter(
            (held & Q(status__in=OPEN_STATUSES)) | _to_verify_q(user, user_id),
            due_state=DueState.OVERDUE,
        )
    if category:
        qs = qs.filter(category__code__startswith=category)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(address__icontains=q))
    # A list shows none of these: not loaded for its rows (a point and a decryption each).
    return qs.defer(*_LIST_DEFERRED).order_by("step_deadline", "-reported_at")


# The boxes whose statement reads the user's id (the reporter, the actor), besides the scope.
_BOXES_OF_THE_USER = ("todo", "done", "overdue")

# A user id no one has: where it lands among a kept statement's parameters is where the
# real id goes (governance/compiled.py).
_SAMPLE_USER_ID = SAMPLE_INT - 1

# The inbox's statements — the four counts, and each page of a box with its filter and
# order — compiled once per shape of jurisdiction and process, the user's id and areas
# parameters: building and compiling them cost more Python than the rest of the inbox
# (docs/performance.md, "Load"). The key holds what restrict() and the boxes read of the
# user (governance.scoping.Scope), so every dispatcher of a county, and every grid
# worker of a grid anywhere, shares them.
_INBOX = CompiledQueries(size=4096)


def kept_inbox(
    *, user, box: str, status: str = "", shape=None, shape_key: str = "", per_page: int,
    count=None,
) -> KeptPages:  # fmt: skip
    """`inbox(user, box, status)` as KeptPages (count() and slices) from the statements
    kept per jurisdiction, for the lists without a text search or a category. `shape`
    (a function of the queryset: its order, its columns) is part of the statements, so
    everything it depends on must be in `shape_key`."""
    scope = scope_of(Event, user)
    principal = scope.principal
    mine = box in _BOXES_OF_THE_USER
    shape = shape or (lambda qs: qs)
    user_sample = {"user_id": _SAMPLE_USER_ID} if mine else {}
    return KeptPages(
        _INBOX,
        ("inbox", scope.key, box, status, shape_key),
        lambda **s: shape(_inbox(principal, s.get("user_id"), box=box, status=status)),
        per_page=per_page,
        count=count,
        samples={**user_sample, **scope.samples},
        values=scope.run_with(**({"user_id": user.pk} if mine else {})),
        # A jurisdiction that is empty (an active user with no role) leaves nothing to
        # read of the user either.
        optional=(*scope.samples, "user_id"),
    )


def inbox_counts(*, user) -> dict[str, int]:
    """The four boxes' counts in one statement (one round trip on every inbox load): each
    box's count is a scalar sub-query with its own plan and index, as `.count()` was.

    The statement is kept per jurisdiction (`_INBOX`), the user's id a parameter."""
    scope = scope_of(Event, user)
    principal = scope.principal

    def build(user_id, **_areas):
        counts = {
            box: Subquery(
                _inbox(principal, user_id, box=box)
                .order_by()
                .annotate(_n=Func(F("pk"), function="COUNT"))
                .values("_n"),
                output_field=IntegerField(),
            )
            for box in INBOX_BOXES
            if box != "all"
        }
        # Any one row carries the sub-queries: the area tree is never empty.
        return Area.objects.order_by().values(**counts)[:1]

    # `user_id` optional: with no role at all every box is empty, each sub-query NULL.
    query = _INBOX.get(
        ("counts", scope.key),
        build,
        optional=(*scope.samples, "user_id"),
        user_id=_SAMPLE_USER_ID,
        **scope.samples,
    )
    try:
        counts = query.rows(**scope.run_with(user_id=user.pk))[0]
    except EmptyResultSet:  # no jurisdiction at all
        counts = {}
    return {box: counts.get(box) or 0 for box in INBOX_BOXES if box != "all"}


# A case's trail — its steps, its files, its supervision cards — by the case's id: on
# every case page and API answer, compiled once per process (governance/compiled.py).
_ID = SAMPLE_INT - 2
_TRAIL_TRACES = CompiledQuery(
    lambda event_id: Trace.objects.filter(event_id=event_id), event_id=_ID
)
_TRAIL_FILES = CompiledQuery(
    lambda event_id: Attachment.objects.filter(event_id=event_id).order_by("id"), event_id=_ID
)
_TRAIL_CARDS = CompiledQuery(
    lambda event_id: (
        SupervisionCard.objects.filter(event_id=event_id)
        .select_related("issued_by_area")
        .defer(*outlines_of("issued_by_area"))
    ),
    event_id=_ID,
)


def case_trail(*, event: Event) -> list[Trace]:
    """The case's steps in order, each with its files; the case's files and supervision
    cards set as prefetched on the case (`event.attachments.all`, `event.supervisions.all`,
    `event.traces.all` and each step's `attachments.all` read no more), as
    prefetch_related("traces__attachments", "attachments", "supervisions__issued_by_area")
    would, in three statements."""
    traces = _TRAIL_TRACES.objects(event_id=event.pk)
    files = _TRAIL_FILES.objects(event_id=event.pk)
    cards = _TRAIL_CARDS.objects(event_id=event.pk)
    by_trace: dict[int, list[Attachment]] = {}
    for f in files:
        if f.trace_id is not None:
            by_trace.setdefault(f.trace_id, []).append(f)
    for t in traces:
        t.event = event
        _set_prefetched(t, "attachments", Attachment, by_trace.get(t.pk, []))
    for related, model, rows in (
        ("traces", Trace, traces),
        ("attachments", Attachment, files),
        ("supervisions", SupervisionCard, cards),
    ):
        _set_prefetched(event, related, model, rows)
    return traces


def _set_prefetched(instance, related: str, model, rows: list) -> None:
    """`instance.<related>.all()` answers `rows` without a statement, as after
    prefetch_related (django.db.models.query.prefetch_one_level does the same)."""
    qs = model._default_manager.all()
    qs._result_cache, qs._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[related] = qs


def status_counts(*, user) -> dict[str, int]:
    rows = event_list(user=user).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def dispatch_departments(*, event: Event):
    """The departments a case may be dispatched or transferred to: those of the area
    where it happened and of the areas above it — never another county's (issue 8,
    item 2). The page offers exactly these; the services accept nothing else."""
    return _departments_above(ancestor_paths(event.area_path))


def _departments_above(paths: list[str]):
    # Their areas without outlines: a province's is tens of thousands of points.
    return (
        Department.objects.filter(area__path__in=paths)
        .select_related("area")
        .defer(*outlines_of("area"))
        .order_by("area__level", "name")
    )


def dispatch_units(*, event: Event):
    """The unit a case may be dispatched down to: the area directly below the one holding
    it, on the way to where it happened (the rule `_validate_arguments` enforces)."""
    return _units_below(event.current_area_id, ancestor_paths(event.area_path))


def _units_below(parent_id: int, paths: list[str]):
    return Area.objects.filter(parent_id=parent_id, path__in=paths).defer(
        "boundary", "boundary_simple"
    )


# The case page's choices of a dispatch, compiled once per process and number of areas
# above the case (governance/compiled.py run_listed).
_DISPATCH = CompiledQueries(size=64)


def dispatch_choices(*, event: Event) -> tuple[list[Department], list[Area]]:
    """`dispatch_departments` and `dispatch_units` (their codes and names) as lists, from
    kept statements: what the case page offers."""
    paths = ancestor_paths(event.area_path)
    departments = run_listed(_DISPATCH, "departments", _departments_above, paths=paths)
    if event.current_area_id is None:
        return departments, []
    units = run_listed(
        _DISPATCH,
        "units",
        lambda parent, paths: _units_below(parent[0], paths).only("code", "name"),
        parent=[event.current_area_id],
        paths=paths,
    )
    return departments, units


# -- codes to objects: the one lookup of each, for the page and the API alike ---------


class UnknownTarget(ServiceError):
    """A code or number named by a step that is not one the step may name (400)."""

    default_code = "invalid_target"
    default_message = _("部门、单位或事件不存在。")


OUT_OF_DISPATCH_SCOPE = _("该部门不在本事件的分派范围内(只能交给事发地及其上级区域的部门)。")


def department_by_code(*, event: Event, code: str) -> Department:
    """A department the case may be dispatched or transferred to (`dispatch_departments`).
    An unknown code is a 400; another area's department is refused (403), as the service
    refuses it."""
    department = dispatch_departments(event=event).filter(code=code).first()
    if department is not None:
        return department
    if Department.objects.filter(code=code).exists():
        raise Forbidden(OUT_OF_DISPATCH_SCOPE)
    raise UnknownTarget()


def unit_by_code(*, event: Event, code: str) -> Area:
    """The unit below named for a dispatch down (`dispatch_units`); any other code is a 400."""
    unit = dispatch_units(event=event).filter(code=code).first()
    if unit is None:
        raise UnknownTarget()
    return unit


def merge_target(*, user, number: str) -> Event:
    """The case to merge into: only one the user can see (no probing by number)."""
    try:
        return event_get(user=user, number=number)
    except Event.DoesNotExist:
        raise UnknownTarget() from None


def transition_targets(
    *, user, event: Event, department: str = "", unit: str = "", into: str = ""
) -> dict:
    """The objects a step names by code (department, unit, case to merge into), as the
    keyword arguments of `services.event_transition`."""
    kwargs = {}
    if department:
        kwargs["department"] = department_by_code(event=event, code=department)
    if unit:
        kwargs["unit"] = unit_by_code(event=event, code=unit)
    if into:
        kwargs["into"] = merge_target(user=user, number=into)
    return kwargs


def report_grid(*, user, code: str) -> Area:
    """A grid (level 6) inside the user's jurisdiction, named by code for a report or for
    locating a held case."""
    grid = Area.objects.restrict(user).filter(code=code, level=6).first()
    if grid is None:
        raise ServiceError(_("网格不存在或不在您的管辖范围内。"), code="invalid_grid")
    return grid
