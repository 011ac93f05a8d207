"""迁入申请 page: the requests the user's side made, and those it must decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.navigation import page_rule

from ..actions import may_change_basedata
from ..transfers import (
    person_transfer_cancel,
    person_transfer_decide,
    person_transfer_list,
    person_transfer_side,
)


@login_required
@page_rule(may_change_basedata)
def transfers(request):
    qs = person_transfer_list(user=request.user)
    status = 200
    if request.method == "POST":
        transfer = (
            qs.filter(pk=request.POST.get("transfer", "")).first()
            if request.POST.get("transfer", "").isdigit()
            else None
        )
        decision = request.POST.get("decision", "")
        try:
            if transfer is None:
                raise ValidationError(_("未找到该迁入申请。"), code="not_found")
            if decision == "cancel":
                person_transfer_cancel(actor=request.user, transfer=transfer)
            elif decision in ("accept", "refuse"):
                person_transfer_decide(
                    actor=request.user,
                    transfer=transfer,
                    accept=decision == "accept",
                    reason=request.POST.get("reason", ""),
                )
            else:
                raise ValidationError(_("请选择同意、不同意或撤回。"), code="invalid")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = {"forbidden": 403, "not_found": 404}.get(exc.code, 400)
        else:
            done = {
                "cancel": _("已撤回 %(n)s 的迁入申请。"),
                "accept": _("已同意 %(n)s 迁入%(g)s。"),
                "refuse": _("已拒绝 %(n)s 的迁入申请。"),
            }[decision]
            messages.success(request, done % {"n": transfer.name, "g": transfer.to_grid.name})
            return redirect("collection:transfers")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(t, person_transfer_side(request.user, t)) for t in page]
    return render(request, "collection/transfers.html", {"page": page, "rows": rows}, status=status)
