from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from .forms import AuditFilterForm
from .selectors import audit_log_list


@login_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    qs = audit_log_list(user=request.user)
    if form.is_valid():
        qs = form.filter(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from .audit import scrub, scrub_text

    for row in page:  # rows written before the trail was scrubbed are masked when shown
        row.changes, row.object_repr = scrub(row.changes), scrub_text(row.object_repr)
    return render(request, "governance/audit_log.html", {"form": form, "page": page})


@login_required
def notifications(request):
    from django.utils import timezone

    from .models import Notification

    qs = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "governance/notifications.html", {"page": page})
