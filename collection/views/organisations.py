"""Organisations (组织): the staff list (places have no page of their own: the map and
the API show them)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import selectors
from ..models import Organisation
from .common import list_page


@login_required
def organisations(request):
    """组织:按名称或信用代码检索,按类型、网格筛选;导出同一筛选结果。"""
    p = request.GET
    qs = selectors.organisation_list(
        user=request.user,
        q=p.get("q", "").strip(),
        kind=p.get("kind", ""),
        grid=p.get("grid", "").strip(),
    )
    page, query = list_page(request, qs, {"name": ("name", "id"), "grid": ("grid__code", "name")})
    return render(
        request,
        "collection/organisations.html",
        {"page": page, "query": query, "kinds": Organisation.Kind.choices},
    )
