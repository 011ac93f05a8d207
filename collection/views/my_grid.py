"""The grid worker's home page (我的网格)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from governance.context_processors import offline_shell
from governance.navigation import page_rule

from .. import policy, selectors
from ..actions import is_grid_worker
from ..duties import grid_duties
from ..models import VerificationTask
from ..verification import verification_task_list
from .common import my_grids


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
        # The columns shown and what the field policy needs; not the grid, house or the
        # other encrypted fields (each decrypted as it is loaded).
        people = (
            selectors.person_list(user=request.user, q=q)
            .select_related(None)
            .only("id", "name", "kind", "id_number", "phone", "area_path")
        )
        page = Paginator(people, 20).get_page(request.GET.get("page"))
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
