"""Indicator systems (province administrators): the list, one tree (一级/二级/三级 with
weights, 应得分, kind, source, rule), and a new one from an XLSX/CSV file or CSV text."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.errors import Forbidden
from governance.figures import FIGURES
from governance.navigation import page_rule

from . import services
from .actions import may_configure_rules
from .models import IndicatorSystem, Rule
from .system_file import TEMPLATE_HEADER, system_rows


@login_required
@page_rule(may_configure_rules)
def systems(request):
    status, data = 200, {}
    if request.method == "POST":
        data = request.POST
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                rows = system_rows(upload.read(), upload.name or "")
            else:
                rows = system_rows((request.POST.get("rows") or "").encode())
            system = services.indicator_system_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                rows=rows,
                total_marks=request.POST.get("total_marks") or 100,
                first_row=2,
            )
        except Forbidden:
            raise PermissionDenied from None
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
            status = 400
        else:
            messages.success(request, _("指标体系已建立。"))
            return redirect("assessment:system", pk=system.pk)
    return render(
        request,
        "assessment/systems.html",
        {
            "systems": IndicatorSystem.objects.order_by("name"),
            "header": ",".join(TEMPLATE_HEADER),
            "data": data,
            "rules": Rule.objects.order_by("name"),
            "figures": sorted((n, f.label) for n, f in FIGURES.items()),
        },
        status=status,
    )


@login_required
@page_rule(may_configure_rules)
def system_detail(request, pk):
    system = IndicatorSystem.objects.filter(pk=pk).first()
    if system is None:
        raise Http404
    nodes = list(system.nodes.select_related("parent", "rule__version").order_by("position"))
    if request.GET.get("format") == "csv":
        return _csv(system, nodes)
    return render(
        request,
        "assessment/system.html",
        {"system": system, "nodes": nodes},
    )


def _csv(system, nodes) -> HttpResponse:
    """The tree as the same table the create form reads (to copy and change)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    for n in nodes:
        writer.writerow(
            [
                n.code,
                n.name,
                n.parent.code if n.parent else "",
                n.weight,
                n.get_kind_display() if n.kind else "",
                n.get_source_display() if n.source else "",
                n.figure,
                n.rule.name if n.rule else "",
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicators-{system.pk}.csv"'
    return response
