from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.access import allowed
from governance.roles import Action, Role
from grids.models import Area

from . import policy, selectors, services
from .actions import BASEDATA_CHANGE
from .extra_fields import extra_schema
from .forms import PersonForm, schema_form, schema_values


def _my_grids(user):
    ids = user.role_assignments.filter(role=Role.GRID_WORKER).values("area_id")
    return list(Area.objects.filter(id__in=ids).only("code", "name", "path", "level",
                                                     "centroid"))


@login_required
def my_grid(request):
    """网格员的"我的网格":人、房、组织、场所、走访的数量与人口检索。"""
    grids = _my_grids(request.user)
    q = request.GET.get("q", "").strip()
    # A full or masked ID number is looked up by its keyed hash; anything else by name
    # or address (selectors.person_list).
    people = selectors.person_list(user=request.user, q=q)
    page = Paginator(people, 20).get_page(request.GET.get("page"))
    rows = [(p, policy.present(request.user, "id_number", p.id_number,
                            area_path=p.area_path),
             policy.present(request.user, "phone", p.phone, area_path=p.area_path)) for p in page]
    from .duties import grid_duties
    from .models import VerificationTask
    from .verification import verification_task_list

    pending = dict(verification_task_list(user=request.user,
                                          status=VerificationTask.Status.PENDING)
                   .filter(grid__in=grids).order_by()
                   .values_list("grid_id").annotate(n=Count("id")))
    return render(request, "collection/my_grid.html", {
        "grids": grids,
        "summaries": [(g, selectors.grid_summary(user=request.user, grid=g),
                       [d for d in grid_duties(user=request.user, grid=g) if d["due"]],
                       pending.get(g.pk, 0)) for g in grids],
        "page": page, "rows": rows, "q": q,
    })


@login_required
def person_new(request):
    grids = _my_grids(request.user)
    houses = selectors.house_list(user=request.user).filter(grid__in=[g.pk for g in grids])
    house_id = request.POST.get("house") or request.GET.get("house") or ""
    house = houses.filter(pk=house_id).first() if house_id.isdigit() else None
    form = PersonForm(request.POST or None)
    extra = schema_form(extra_schema("people"), request.POST or None, prefix="extra")
    if request.method == "POST" and form.is_valid() and extra.is_valid():
        grid = house.grid if house else next(
            (g for g in grids if g.code == request.POST.get("grid")), None)
        from .transfers import PersonTransferRequested

        try:
            services.person_create(actor=request.user, grid=grid, house=house,
                                   extra=schema_values(extra), **form.cleaned_data)
        except PersonTransferRequested as exc:
            messages.info(request, " ".join(exc.messages))
            return redirect("collection:transfers")
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("已登记:%(n)s") % {"n": form.cleaned_data["name"]})
            if house:
                return redirect("collection:house-detail", pk=house.pk)
            return redirect("collection:my-grid")
    return render(request, "collection/person_form.html",
                  {"form": form, "extra": extra, "grids": grids, "houses": houses,
                   "house": house})


@login_required
def house_new(request):
    from .models import House

    grids = _my_grids(request.user)
    error = ""
    extra = schema_form(extra_schema("houses"), request.POST or None, prefix="extra")
    if request.method == "POST" and extra.is_valid():
        from django.contrib.gis.geos import Point

        grid = next((g for g in grids if g.code == request.POST.get("grid")), None)
        try:
            lng, lat = float(request.POST["lng"]), float(request.POST["lat"])
            location = Point(lng, lat, srid=4326)
        except (KeyError, ValueError):
            location = None  # the place is optional for a house
        try:
            house = services.house_create(actor=request.user, grid=grid,
                                          address=request.POST.get("address", ""),
                                          use=request.POST.get("use", House.Use.SELF),
                                          owner_name=request.POST.get("owner_name", ""),
                                          location=location, extra=schema_values(extra))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("房屋已登记。"))
            return redirect("collection:house-detail", pk=house.pk)
    center = (grids[0].centroid.x, grids[0].centroid.y) if grids and grids[0].centroid \
        else (125.32, 43.88)
    return render(request, "collection/house_form.html",
                  {"grids": grids, "uses": House.Use.choices, "error": error, "center": center,
                   "extra": extra})


@login_required
def export_download(request, pk):
    from django.http import FileResponse, Http404

    from .exports import export_file_get

    found = export_file_get(user=request.user, pk=pk)
    if found is None:
        raise Http404
    export, path = found
    response = FileResponse(path.open("rb"), as_attachment=True,
                            filename=f"gridgov-{export.dataset}{path.suffix}")
    response["Cache-Control"] = "private, no-store"  # personal data: no shared caches
    return response


@login_required
def house_detail(request, pk):
    from django.http import Http404

    house = selectors.house_list(user=request.user).filter(pk=pk).first()
    if house is None:
        raise Http404
    residents = [(p, policy.present(request.user, "id_number", p.id_number,
                            area_path=p.area_path),
                  policy.present(request.user, "phone", p.phone, area_path=p.area_path))
                 for p in selectors.person_list(user=request.user).filter(house=house)]
    return render(request, "collection/house_detail.html",
                  {"house": house, "residents": residents})


@login_required
def visit_new(request):
    from django.utils import timezone

    grids = _my_grids(request.user)
    people = selectors.person_list(user=request.user).filter(
        grid__in=[g.pk for g in grids])[:500]
    error = ""
    if request.method == "POST":
        grid = next((g for g in grids if g.code == request.POST.get("grid")), None)
        chosen = selectors.person_list(user=request.user).filter(
            pk__in=[i for i in request.POST.getlist("people") if i.isdigit()])
        try:
            report = request.POST.get("report") == "1"
            visit = services.visit_create(
                actor=request.user, grid=grid, visited_at=timezone.now(),
                place=request.POST.get("place", ""), findings=request.POST.get("findings", ""),
                people=chosen,
                report_category=request.POST.get("category", "") if report else "",
                report_title=request.POST.get("title", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if visit.event_id:
                messages.success(request, _("走访记录已保存,事件 %(n)s 已上报。") % {
                    "n": visit.event.number})
                return redirect("events:detail", number=visit.event.number)
            messages.success(request, _("走访记录已保存。"))
            return redirect("collection:my-grid")
    from events.models import EventCategory

    categories = EventCategory.objects.filter(active=True, children__isnull=True)
    return render(request, "collection/visit_form.html",
                  {"grids": grids, "people": people, "error": error,
                   "categories": categories, "posted": request.POST})


@login_required
def imports(request):
    """部门数据导入:选择数据类,下载模板,上传 CSV/XLSX,校验进度,确认导入,下载错误报告。"""
    from django.http import HttpResponse

    from .importing.specs import SPECS
    from .imports import import_job_create, import_job_list, import_template
    from .models import ImportJob

    wanted = request.GET.get("template", "")
    if wanted in SPECS:
        response = HttpResponse(
            import_template(dataset=wanted),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = ("attachment; filename*=UTF-8''"
                                           f"{quote(str(SPECS[wanted].label))}-template.xlsx")
        return response
    error = ""
    dataset = request.POST.get("dataset", "people")
    if request.method == "POST":
        try:
            job = import_job_create(actor=request.user, file=request.FILES.get("file"),
                                    mode=request.POST.get("mode", "all_or_nothing"),
                                    dataset=dataset)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("collection:import-detail", pk=job.pk)
    jobs = import_job_list(user=request.user)[:20]
    specs = [(key, spec.label, "、".join(spec.headers)) for key, spec in SPECS.items()]
    return render(request, "collection/imports.html",
                  {"jobs": jobs, "modes": ImportJob.Mode.choices, "error": error,
                   "specs": specs, "dataset": dataset},
                  status=400 if error else 200)


@login_required
def import_detail(request, pk):
    from django.http import Http404

    from .imports import (
        import_job_apply_request,
        import_job_cancel,
        import_job_get,
        import_job_preview,
        may_control_import_job,
    )
    from .models import ImportJob

    try:
        job = import_job_get(user=request.user, pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        try:
            job = import_job_get(user=request.user, pk=pk, action=Action.CHANGE)
            if request.POST.get("do") == "apply":
                import_job_apply_request(actor=request.user, job=job)
            else:
                import_job_cancel(actor=request.user, job=job)
        except (ValidationError, ImportJob.DoesNotExist) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [_("无权操作。")])))
        return redirect("collection:import-detail", pk=pk)
    return render(request, "collection/import_detail.html",
                  {"job": job, "preview": import_job_preview(job=job),
                   "can_control": may_control_import_job(request.user, job)})


@login_required
def people(request):
    """Scoped list for staff at every level: search by name, address or full ID number,
    filter by tag, type and grid; values masked by role; export of the same selection."""
    from django.db.models import Prefetch

    from .models import Person, PersonTag

    p = request.GET
    q = p.get("q", "").strip()
    filters = {"q": q,
               "tag": p.get("tag", ""), "kind": p.get("kind", ""), "grid": p.get("grid", "")}
    active_tags = Prefetch("tags", queryset=PersonTag.objects.filter(end_date__isnull=True))
    page = Paginator(selectors.person_list(user=request.user, **filters)
                     .prefetch_related(active_tags), 30).get_page(p.get("page"))
    rows = [(x, policy.present(request.user, "id_number", x.id_number,
                            area_path=x.area_path),
             policy.present(request.user, "phone", x.phone, area_path=x.area_path)) for x in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "collection/people.html", {
        "page": page, "rows": rows, "tags": PersonTag.Tag.choices,
        "kinds": Person.Kind.choices, "query": query.urlencode(),
    })


@login_required
def person_detail(request, pk):
    from django.http import Http404

    from .models import Person

    try:
        person = selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
    revealed, status = {}, 200
    if request.method == "POST":
        field = request.POST.get("reveal", "")
        try:
            revealed[field] = services.person_reveal(actor=request.user, person=person,
                                                     field=field)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 403 if exc.code == "forbidden" else 400
    shown = {f: revealed.get(f) or policy.present(
        request.user, f, getattr(person, f), area_path=person.area_path)
             for f in ("id_number", "phone", "birth_date")}
    if revealed.get("id_number"):  # the full number holds the full date: no point hiding it
        shown["birth_date"] = person.birth_date
    return render(request, "collection/person_detail.html", {
        "person": person, "shown": shown, "revealed": revealed,
        "can_reveal": {f: policy.can_reveal(request.user, f, area_path=person.area_path)
                       for f in ("id_number", "phone")},
        "visits": person.visits.order_by("-visited_at")[:20],
        "can_change": allowed(request.user, person.area_path, BASEDATA_CHANGE),
    }, status=status)


@login_required
def data_map(request):
    """Houses and places with a location, in the user's jurisdiction, on a map."""
    return render(request, "collection/map.html")
