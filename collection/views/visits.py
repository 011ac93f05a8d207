"""A grid worker records a visit (走访), and may report an event from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.context_processors import offline_shell

from .. import selectors, services
from .common import my_grids


@login_required
def visit_new(request):
    """The visit form. As the offline shell (docs/offline.md) it lists nobody: offline the
    phone offers the people of its sealed list (static/js/outbox.js)."""
    grids = my_grids(request.user)
    shell = offline_shell(request) and request.method == "GET"
    people = (
        []
        if shell
        else selectors.person_list(user=request.user).filter(grid__in=[g.pk for g in grids])[:500]
    )
    error = ""
    if request.method == "POST":
        grid = next((g for g in grids if g.code == request.POST.get("grid")), None)
        chosen = selectors.person_list(user=request.user).filter(
            pk__in=[i for i in request.POST.getlist("people") if i.isdigit()]
        )
        try:
            report = request.POST.get("report") == "1"
            visit = services.visit_create(
                actor=request.user,
                grid=grid,
                visited_at=timezone.now(),
                place=request.POST.get("place", ""),
                findings=request.POST.get("findings", ""),
                people=chosen,
                report_category=request.POST.get("category", "") if report else "",
                report_title=request.POST.get("title", ""),
                files=request.FILES.getlist("files") if report else (),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if visit.event_id:
                messages.success(
                    request, _("走访记录已保存,事件 %(n)s 已上报。") % {"n": visit.event.number}
                )
                return redirect("events:detail", number=visit.event.number)
            messages.success(request, _("走访记录已保存。"))
            return redirect("collection:my-grid")
    from events.models import EventCategory

    categories = EventCategory.objects.filter(active=True, children__isnull=True)
    return render(
        request,
        "collection/visit_form.html",
        {
            "grids": grids,
            "people": people,
            "error": error,
            "categories": categories,
            "posted": request.POST,
            "shell": shell,
        },
    )
