"""Pages: the dispute list, the window clerk's intake form (keyboard order, parties as
rows), a dispute with its actions and agreement files, and the 三源治理 rates of an area
(ECharts, drill-down to the children, XLSX export)."""

from __future__ import annotations

import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.access import allowed
from governance.errors import Conflict, Forbidden, NotFound
from governance.files import stored_file_response
from governance.navigation import page_rule
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import selectors, services
from .actions import DISPUTE_HANDLE, may_handle, may_read
from .api.views import dispute_action
from .models import CODE_KEYS, Code, DisputeType, Party, Referral, RiskFlag, Status
from .rates import RATES, period_clean, rates_compute


def _error_text(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
@page_rule(may_read)
def dispute_list(request):
    try:
        qs = selectors.dispute_list(
            user=request.user,
            area=request.GET.get("area") or None,  # the cockpit's panel links here
            code=request.GET.get("code") or None,
            status=request.GET.get("status") or None,
            overdue_only=request.GET.get("overdue") == "1",
        )
    except NotFound:  # an area outside the jurisdiction
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        qs = selectors.dispute_list(user=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/list.html",
        {
            "page": page,
            "codes": [(CODE_KEYS[c], label) for c, label in reversed(Code.choices)],
            "statuses": Status.choices,
            "can_intake": may_handle(request.user),
        },
    )


PARTY_ROWS = 4


@login_required
@page_rule(may_handle)
def intake(request):
    """窗口登记: every field reachable by Tab in reading order, parties as rows."""
    values = request.POST if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        parties = []
        for i in range(PARTY_ROWS):
            name = request.POST.get(f"p{i}_name", "").strip()
            person = request.POST.get(f"p{i}_person", "").strip()
            if person.isdigit():  # taken over from the base data (the ID lookup)
                parties.append(
                    {"person": int(person), "role": request.POST.get(f"p{i}_role", "applicant")}
                )
            elif name:
                parties.append(
                    {
                        "name": name,
                        "kind": request.POST.get(f"p{i}_kind", "person"),
                        "role": request.POST.get(f"p{i}_role", "applicant"),
                        "id_number": request.POST.get(f"p{i}_id", ""),
                        "phone": request.POST.get(f"p{i}_phone", ""),
                    }
                )
        grid = Area.objects.filter(code=request.POST.get("grid", ""), level=6).first()
        try:
            dispute = services.dispute_register(
                actor=request.user,
                grid=grid,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                type=request.POST.get("type", ""),
                amount=request.POST.get("amount", "0"),
                people_count=request.POST.get("people_count", "1"),
                flags=request.POST.getlist("flags"),
                parties=parties,
                allow_duplicate=request.POST.get("allow_duplicate") == "on",
            )
            messages.success(request, _("已受理,纠纷编号 %(n)s。") % {"n": dispute.number})
            return redirect(dispute.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 403 if isinstance(exc, Forbidden) else 400
    return render(
        request,
        "mediation/intake.html",
        {
            "values": values,
            "types": DisputeType.choices,
            "flags": RiskFlag.choices,
            "roles": Party.Role.choices,
            "kinds": Party.Kind.choices,
            "rows": range(PARTY_ROWS),
        },
        status=status,
    )


@login_required
def dispute_detail(request, pk):
    try:
        dispute = selectors.dispute_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        try:
            dispute_action(request.user, dispute, request.POST.get("action", ""), request.POST)
            messages.success(request, _("操作成功。"))
            return redirect(dispute.get_absolute_url())
        except (ValidationError, Conflict, Forbidden, NotFound) as exc:
            messages.error(request, _error_text(exc))
            status = 403 if isinstance(exc, Forbidden) else 400
    return render(
        request,
        "mediation/detail.html",
        {
            "d": dispute,
            "can_act": allowed(request.user, dispute, DISPUTE_HANDLE),
            "orgs": selectors.org_list(user=request.user),
            "codes": Code.choices,
            "referrals": Referral.choices,
            "public_url": request.build_absolute_uri(f"/public/mediation/{dispute.public_token}/"),
        },
        status=status,
    )


@login_required
def agreement_file(request, pk, agreement_pk, fmt):
    """The agreement's DOCX or PDF, after the dispute's scope check (404 otherwise)."""
    try:
        dispute = selectors.dispute_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    agreement = dispute.agreements.filter(pk=agreement_pk).first()
    if agreement is None or fmt not in ("docx", "pdf"):
        raise Http404
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return stored_file_response(
        getattr(agreement, fmt),
        content_type=content_type,
        filename=f"{dispute.number}-agreement.{fmt}",
    )


@login_required
def qr_code(request, pk):
    """The QR code (SVG) of the dispute's public page, for printing on the receipt."""
    import segno

    try:
        dispute = selectors.dispute_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    out = io.BytesIO()
    url = request.build_absolute_uri(f"/public/mediation/{dispute.public_token}/")
    segno.make(url, error="m").save(out, kind="svg", scale=4)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def _rates_context(request):
    """(area, since, until, rates, children rows) for the page and the export."""
    paths = jurisdiction_paths(request.user)
    code = request.GET.get("area") or ""
    if not code:
        top = Area.objects.filter(path__in=paths).order_by("level", "code").first()
        if top is None:
            raise Http404
        code = top.code
    area = selectors.area_get(user=request.user, code=code)
    today = timezone.localdate()
    since, until = period_clean(
        request.GET.get("from") or (today - timedelta(days=364)).isoformat(),
        request.GET.get("to") or today.isoformat(),
    )
    rates = rates_compute(area.path, since, until)
    children = [
        (child, rates_compute(child.path, since, until))
        for child in Area.objects.filter(parent=area).order_by("code")
    ]
    return area, since, until, rates, children


@login_required
@page_rule(may_read)
def rates_page(request):
    try:
        area, since, until, rates, children = _rates_context(request)
    except NotFound:
        raise Http404 from None
    except ValidationError as exc:
        return render(request, "mediation/rates.html", {"error": _error_text(exc)}, status=400)
    labels = [(r.code, r.label) for r in RATES]
    chart = {
        "labels": [str(r.label) for r in RATES if not r.decline],
        "values": [
            None if rates[r.code]["value"] is None else round(rates[r.code]["value"] * 100, 2)
            for r in RATES
            if not r.decline
        ],
    }
    return render(
        request,
        "mediation/rates.html",
        {
            "area": area,
            "since": since,
            "until": until,
            "rows": [(code, label, rates[code]) for code, label in labels],
            "labels": labels,
            "children": [(child, [r[code] for code, _l in labels]) for child, r in children],
            "chart": chart,
        },
    )


@login_required
@page_rule(may_read)
def rates_export(request):
    from openpyxl import Workbook

    try:
        area, since, until, rates, children = _rates_context(request)
    except NotFound:
        raise Http404 from None
    except ValidationError as exc:
        return HttpResponse(_error_text(exc), status=400, content_type="text/plain")
    wb = Workbook()
    ws = wb.active
    ws.title = _("三源治理")
    fraction = _("分子/分母")  # outside the f-string, where xgettext finds it
    head = [_("区域"), *[f"{r.label}({fraction})" for r in RATES]]
    ws.append([f"{since} ~ {until}"])
    ws.append(head)
    for a, r in [(area, rates), *children]:
        ws.append(
            [
                a.name,
                *[
                    (
                        f"{r[x.code]['value'] * 100:.2f}% "
                        if r[x.code]["value"] is not None
                        else _("无数据") + " "
                    )
                    + f"({r[x.code]['numerator']}/{r[x.code]['denominator']})"
                    for x in RATES
                ],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="rates-{area.code}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
