"""The grid worker's home page (我的网格)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Count, F, Func
from django.shortcuts import render

from governance.compiled import CompiledQueries
from governance.context_processors import offline_shell
from governance.navigation import page_rule
from governance.scoping import ScopePrincipal, scope_key

from .. import policy, selectors
from ..actions import is_grid_worker
from ..duties import grid_duties
from ..models import Person, VerificationTask
from ..verification import verification_task_list
from .common import my_grids

# The people list of 我的网格 without a search: its count and each page slice compiled
# once per jurisdiction and process (the ORM's building and compiling of the two was a
# fifth of the page's CPU, the most requested page of the platform). The key holds what
# restrict() reads (governance.scoping.scope_key); a page's bounds are in its SQL.
_PEOPLE = CompiledQueries(size=4096)
PER_PAGE = 20
_SHOWN = ("id", "name", "kind", "id_number", "phone", "area_path")


def _people(user, q: str):
    """The people of the user's jurisdiction matching `q`: the columns shown and what the
    field policy needs, not the grid, house or the other encrypted fields (each decrypted
    as it is loaded)."""
    return selectors.person_list(user=user, q=q).select_related(None).only(*_SHOWN)


class _PeopleOfScope:
    """What Paginator needs of the unsearched list (count() and slices), from statements
    kept per jurisdiction and built from the scope alone (ScopePrincipal)."""

    def __init__(self, user):
        self.scope = scope_key(Person, user)
        self.principal = ScopePrincipal(Person, self.scope)

    def count(self) -> int:
        principal = self.principal
        query = _PEOPLE.get(
            ("count", self.scope),
            lambda: _people(principal, "").order_by().values(n=Func(F("pk"), function="COUNT")),
        )
        try:
            return query.rows()[0]["n"]
        except EmptyResultSet:  # no jurisdiction at all
            return 0

    def __getitem__(self, bounds: slice) -> list:
        # Always a whole page from `start` (the last page's end is the count, which would
        # make a new statement for every person added); cut to the bounds asked.
        start, principal = bounds.start or 0, self.principal
        query = _PEOPLE.get(
            ("page", self.scope, start),
            lambda: _people(principal, "")[start : start + PER_PAGE],
        )
        try:
            return query.objects()[: bounds.stop - start]
        except EmptyResultSet:
            return []


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
        people = _people(request.user, q) if q else _PeopleOfScope(request.user)
        page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
        rows = [
            (
                p,
                policy.present(request.user, "id_number", p.id_number, area_path=p.area_path),
                policy.present(request.user, "phone", p.phone, area_path=p.area_path),
            )
            for p in page
        ]
    pending = dict(
        verification_task_list(user=request.user, status=VerificationTask.Status.PENDING)
        .filter(grid__in=grids)
        .order_by()
        .values_list("grid_id")
        .annotate(n=Count("id"))
    )
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
