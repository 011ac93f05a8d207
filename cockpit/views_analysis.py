"""The 多维研判 page and its XLSX export. The page validates its parameters with the same
parser as the API (cockpit/analysis/pivot.py: a bad one is a 400 page, an area outside the
jurisdiction a 404) and renders the frame; the tables and the chart come from the analysis
API, fetched by static/js/analysis.js, so the page shows exactly the API's numbers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from governance.replica import lag_tolerant
from grids import selectors as area_selectors

from .analysis import DIMENSIONS, analysis_export
from .analysis.export import CONTENT_TYPE
from .analysis.pivot import DIMENSION_LABELS, pivot_query


@login_required
@lag_tolerant()
def analysis(request):
    """`/analysis/?area=CODE&rows=…&cols=…&from=…&to=…` (all optional)."""
    if not area_selectors.area_roots(user=request.user):
        return render(request, "grids/no_jurisdiction.html", status=403)
    q = pivot_query(user=request.user, params=request.GET)
    return render(
        request,
        "cockpit/analysis.html",
        {
            "q": q,
            "area": q.area,
            "trail": [*area_selectors.area_ancestors(user=request.user, area=q.area), q.area],
            "dimensions": [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
            "events_url": reverse("analysis-events"),
            "workload_url": reverse("analysis-workload"),
            "compare_url": reverse("analysis-compare"),
            "export_url": reverse("analysis:export"),
        },
    )


@login_required
@lag_tolerant()
def analysis_export_xlsx(request):
    """The pivot of the same parameters as an XLSX workbook (audited: analysis.export)."""
    data, name = analysis_export(user=request.user, params=request.GET)
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
