"""The grid worker's home page (我的网格)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from governance.compiled import CompiledQueries, KeptPages
from governance.context_processors import offline_shell
from governance.navigation import page_rule
from governance.roles import Role
from governance.scoping import scope_of, user_role_rows

from .. import policy, selectors
from ..actions import is_grid_worker
from ..duties import grid_duties
from ..models import Person, VerificationTask
from ..verification import verification_task_list
from .common import my_grids

# The people list of 我的网格 without a search (its count and each page slice) and the
# pending verifications, compiled once per shape of jurisdiction and process: the ORM's
# building and compiling of them was a fifth of the page's CPU, the most requested page
# of the platform. The key holds the shape of what restrict() reads
# (governance.scoping.Scope: one statement for every grid worker of one grid); the
# grids are parameters, a page's bounds are in the SQL.
_PEOPLE = CompiledQueries(size=4096)
PER_PAGE = 20
_SHOWN = ("id", "name", "kind", "id_number", "phone", "area_path")


def _people(user, q: str):
    """The people of the user's jurisdiction matching `q`: the columns shown and what the
    field policy needs, not the grid, house or the other encrypted fields (each decrypted
    as it is loaded)."""
    return selectors.person_list(user=user, q=q).select_related(None).only(*_SHOWN)


def _people_of_scope(user) -> KeptPages:
    """The unsearched people list, from statements kept per shape of jurisdiction and
    built from the scope alone (governance.scoping.Scope)."""
    scope = scope_of(Person, user)
    principal = scope.principal
    return KeptPages(
        _PEOPLE,
        ("people", scope.key),
        lambda **_areas: _people(principal, ""),
        per_page=PER_PAGE,
        samples=scope.samples,
        values=scope.values,
        optional=tuple(scope.samples),
    )


def _pending_verifications(user) -> dict[int, int]:
    """The pending verification tasks of each of the user's grids (those of their grid
    worker roles, as `my_grids`), in their jurisdiction: a statement kept per shape of
    jurisdiction, the grids' ids parameters."""
    scope = scope_of(VerificationTask, user)
    principal = scope.principal
    grid_ids = [a for role, a, _p, _d in user_role_rows(principal) if role == Role.GRID_WORKER]
    if not grid_ids:
        return {}
    query = scope.compiled(
        _PEOPLE,
        "pending verifications",
        lambda **_areas: (
            verification_task_list(user=principal, status=VerificationTask.Status.PENDING)
            .filter(grid__in=grid_ids)
            .order_by()
            .values("grid_id")
            .annotate(n=Count("id"))
        ),
    )
    try:
        return {row["grid_id"]: row["n"] for row in query.rows(**scope.values)}
    except EmptyResultSet:  # no jurisdiction at all
        return {}


@login_required
@page_rule(is_grid_worker)
def my_grid(request):
    """网格员的"我的网格":人、房、组织、场所、走访的数量与人口检索。

    Asked for as the offline shell (the service worker keeping it, docs/offline.md): the
    counts without anyone's name — no people, no duty examples; offline the phone lists
    the people and houses from its sealed store (static/js/outbox.js)."""
    grids = my_grids(request.user)
    shell = offline_shell(request)
    q = "" if shell else request.GET.get("q", "").strip()
    page, rows = None, []
    if not shell:
        # A full or masked ID number is looked up by its keyed hash; anything else by
        # name or address (selectors.person_list).
        people = _people(request.user, q) if q else _people_of_scope(request.user)
        page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
        rows = [
            (
                p,
                policy.present(request.user, "id_number", p.id_number, area_path=p.area_path),
                policy.present(request.user, "phone", p.phone, area_path=p.area_path),
            )
            for p in page
        ]
    pending = _pending_verifications(request.user)
    return render(
        request,
        "collection/my_grid.html",
        {
            "grids": grids,
            "summaries": [
                (
                    g,
                    selectors.grid_summary(user=request.user, grid=g),
                    [
                        {**d, "examples": []} if shell else d
                        for d in grid_duties(user=request.user, grid=g)
                        if d["due"]
                    ],
                    pending.get(g.pk, 0),
                )
                for g in grids
            ],
            "page": page,
            "rows": rows,
            "q": q,
            "shell": shell,
        },
    )
