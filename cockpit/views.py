"""The cockpit page. It renders the frame (area, breadcrumb, labels); the figures come from
the summary API (`GET /api/v1/cockpit/summary/?area=CODE`), fetched by static/js/cockpit.js,
so the page never computes a count of its own and shows exactly what the API answers."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from assessment.selectors import assessment_panel as panel_read
from governance.replica import lag_tolerant
from grids import selectors as area_selectors
from grids.models import Area, Level

from . import panels
from .selectors import cockpit_area

SUMMARY_URL = "/api/v1/cockpit/summary/"
AREA_CODE = re.compile(r"\d{12}|\d{15}")  # levels 1–5: 12 digits; a grid: 15


@login_required
@lag_tolerant()
def cockpit(request):
    """`/cockpit/` for the top of the user's jurisdiction, `?area=CODE` for an area inside
    it (404 outside, 400 for a malformed code); `?screen=1` for the 1920×1080 wall screen."""
    roots = area_selectors.area_roots(user=request.user)
    if not roots:
        return render(request, "grids/no_jurisdiction.html", status=403)
    code = request.GET.get("area", "").strip() or roots[0].code
    if not AREA_CODE.fullmatch(code):
        return render(
            request,
            "error.html",
            {"status": 400, "detail": _("区划代码格式有误:应为 12 位或 15 位数字。")},
            status=400,
        )
    try:
        area = area_selectors.area_get(user=request.user, code=code)
    except Area.DoesNotExist:
        raise Http404 from None
    screen = request.GET.get("screen") == "1"
    return render(
        request,
        "cockpit/cockpit.html",
        {
            "area": area,
            "trail": [
                *area_selectors.area_ancestors(user=request.user, area=area),
                area,
            ],
            "levels": Level.choices,
            "screen": screen,
            "summary_url": SUMMARY_URL,
            "rankings": panels.RANKINGS,
        },
    )


@login_required
@lag_tolerant()
def ranking_panel(request):
    """`/cockpit/panels/ranking/?area=&of=children|departments&by=…`: the ranking table as
    a server-rendered partial (htmx swaps it in, refreshed every 60 s and on drill-down).
    Scoped and validated by the same read as `GET /api/v1/cockpit/ranking/`; its errors
    (404 outside, 400 bad input) are answered as pages by the one error middleware."""
    q = request.GET
    ranking = panels.cockpit_ranking(
        user=request.user, code=q.get("area"), of=q.get("of"), by=q.get("by")
    )
    return render(request, "cockpit/_ranking.html", {"ranking": ranking})


@login_required
@lag_tolerant()
def assessment_panel(request):
    """`/cockpit/panels/assessment/?area=`: the latest assessment of the area's children and
    of its lead departments the user may read (当前得分 / 应得分, rank), as a partial."""
    area = cockpit_area(user=request.user, code=request.GET.get("area"))
    panel = panel_read(user=request.user, area=area)
    return render(
        request,
        "assessment/_panel.html",
        {"area": area, "areas": panel["area"], "departments": panel["department"]},
    )
