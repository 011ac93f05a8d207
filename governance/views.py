from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from .forms import AuditFilterForm, audit_actor_suggestions
from .replica import lag_tolerant
from .selectors import audit_log_list


def _audit_rows(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    qs = audit_log_list(user=request.user)
    if form.is_valid():
        qs = form.filter(qs)
    return form, qs


def _readable(rows):
    from .audit import scrub, scrub_text
    from .audit_labels import label_rows

    # Rows written before the trail was scrubbed are masked when shown; labels come after
    # the mask, so they never bring back what it hid.
    for row in rows:
        row.changes, row.object_repr = scrub(row.changes), scrub_text(row.object_repr)
    return label_rows(rows)


@login_required
def audit_log(request):
    form, qs = _audit_rows(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = _readable(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "actors": audit_actor_suggestions(request.user),
        },
    )


@login_required
def audit_log_export(request):
    """The filtered trail as XLSX (Chinese headers), scoped like the page and itself
    written to the trail."""
    from django.http import Http404

    from .audit_export import audit_log_xlsx
    from .roles import Action
    from .scoping import jurisdiction_paths

    if not jurisdiction_paths(request.user, Action.AUDIT):
        raise Http404
    form, qs = _audit_rows(request)
    filters = {k: v for k, v in request.GET.items() if v and k != "page"}
    # Up to MAX_ROWS rows of the trail: read from the replica when there is one (the
    # export is as of a few seconds ago); its own audit row is written to the primary.
    with lag_tolerant():
        content = audit_log_xlsx(actor=request.user, rows=qs, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
    return response


def django_admin_moved(request):
    """/django-admin/ is closed: administrators configure under /manage/."""
    return redirect(reverse("manage:home"))


@login_required
def notifications(request):
    from .models import Notification

    qs = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "governance/notifications.html", {"page": page})
