"""Reads of base data. Every one starts from Model.objects.restrict(user, …)."""

from __future__ import annotations

import re

from django.db.models import Count, F, Func, IntegerField, Q, Subquery

from governance.compiled import CompiledQuery
from governance.roles import Action
from governance.scoping import path_in_jurisdiction
from grids.models import Area

from .models import House, Organisation, Person, Place, Visit
from .services import id_lookup_index, id_masked_index

_FULL_ID = re.compile(r"\d{17}[\dXx]")


def person_list(
    *, user, q: str = "", id_number: str = "", tag: str = "", kind: str = "", grid: str = ""
):
    qs = Person.objects.restrict(user).select_related("grid", "house")
    q = (q or "").strip()
    if _FULL_ID.fullmatch(q):  # a whole number typed into the search box
        q, id_number = "", q
    if id_number:  # exact match through the blind index, never by decrypting
        qs = qs.filter(id_number_index=id_lookup_index(id_number))
    if "*" in q:  # a masked number as shown in lists ("220102********1234")
        qs = qs.filter(id_masked_index=id_masked_index(q))
    elif q:
        qs = qs.filter(Q(name__icontains=q) | Q(residence_address__icontains=q))
    if tag:
        qs = qs.filter(tags__tag=tag, tags__end_date__isnull=True)  # active tags only
    if kind:
        qs = qs.filter(kind=kind)
    if grid:
        qs = qs.filter(grid__code=grid)
    return qs.order_by("name", "id")


def person_get(*, user, pk) -> Person:
    return Person.objects.restrict(user).select_related("grid", "house").get(pk=pk)


def house_list(*, user, q: str = "", use: str = "", grid: str = ""):
    qs = (
        House.objects.restrict(user)
        .select_related("grid")
        .annotate(resident_count=Count("residents"))
    )
    if q:
        qs = qs.filter(address__icontains=q)
    if use:
        qs = qs.filter(use=use)
    if grid:
        qs = qs.filter(grid__code=grid)
    return qs.order_by("address", "id")


def organisation_list(*, user, q: str = "", kind: str = "", grid: str = ""):
    qs = Organisation.objects.restrict(user).select_related("grid")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if grid:
        qs = qs.filter(grid__code=grid)
    return qs.order_by("name", "id")


def place_list(*, user):
    return Place.objects.restrict(user).select_related("grid")


def visit_list(*, user):
    return Visit.objects.restrict(user).select_related("grid", "visitor")


def _count(qs):
    """A restricted queryset's row count as a scalar sub-query (COUNT without GROUP BY)."""
    return Subquery(
        qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n"),
        output_field=IntegerField(),
    )


def _grid_counts(user, path: str, grid_pk: int):
    """The six counts' statement: rows the user may see (restrict), or with user None all
    the grid's rows (only for a grid the caller checked is wholly in the user's scope)."""

    def scoped(model):
        return (model.objects.restrict(user) if user else model.objects).filter(area_path=path)

    houses = scoped(House)
    counts = {
        "people": _count(scoped(Person)),
        "houses": _count(houses),
        "rentals": _count(houses.filter(use=House.Use.RENTAL)),
        "organisations": _count(scoped(Organisation)),
        "places": _count(scoped(Place)),
        "visits": _count(scoped(Visit)),
    }
    return Area.objects.filter(pk=grid_pk).values(**counts)


# A grid wholly in the user's jurisdiction (a grid worker's own): restrict() adds nothing to
# `area_path = path` for these models (governance.scoping: a prefix of the path, no
# department field), so the statement is the same for everyone and compiled once per process.
_GRID_COUNTS = CompiledQuery(
    lambda path, pk: _grid_counts(None, path, pk), path="\x1fsample grid path", pk=987_654_321
)


def grid_summary(*, user, grid) -> dict:
    """Counts for a grid worker's "my grid" page: one statement for the six counts (the
    page is the grid worker's most opened one; six round trips were a third of it)."""
    if path_in_jurisdiction(user, grid.path, Action.VIEW):
        return _GRID_COUNTS.rows(path=grid.path, pk=grid.pk)[0]
    return _grid_counts(user, grid.path, grid.pk).get()
