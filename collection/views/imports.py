"""Department data imports (部门数据导入): choose the data class, download its template,
upload CSV/XLSX, follow the check, confirm or cancel, download the error report."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.navigation import page_rule
from governance.roles import Action
from grids.models import Area

from ..actions import may_import
from ..importing.specs import SPECS
from ..imports import (
    import_job_apply_request,
    import_job_cancel,
    import_job_create,
    import_job_get,
    import_job_list,
    import_job_preview,
    import_template,
    may_control_import_job,
)
from ..models import ImportJob


@login_required
@page_rule(may_import)
def imports(request):
    """部门数据导入:选择数据类,下载模板,上传 CSV/XLSX,校验进度,确认导入,下载错误报告。"""
    wanted = request.GET.get("template", "")
    if wanted in SPECS:
        response = HttpResponse(
            import_template(dataset=wanted),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(str(SPECS[wanted].label))}-template.xlsx"
        )
        return response
    error = ""
    dataset = request.POST.get("dataset", "people")
    if request.method == "POST":
        try:
            job = import_job_create(
                actor=request.user,
                file=request.FILES.get("file"),
                mode=request.POST.get("mode", "all_or_nothing"),
                dataset=dataset,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("collection:import-detail", pk=job.pk)
    jobs = import_job_list(user=request.user)[:20]
    specs = [(key, spec.label, "、".join(spec.headers)) for key, spec in SPECS.items()]
    return render(
        request,
        "collection/imports.html",
        {
            "jobs": jobs,
            "modes": ImportJob.Mode.choices,
            "error": error,
            "specs": specs,
            "dataset": dataset,
        },
        status=400 if error else 200,
    )


@login_required
def import_detail(request, pk):
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
    # The preview names each record's grid as people know it, not by its 15-digit code.
    codes = {row.get("grid") for row in job.plan or [] if row.get("grid")}
    grid_names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    plan = [
        {**row, "grid_name": grid_names.get(row.get("grid"), row.get("grid"))}
        for row in job.plan or []
    ]
    return render(
        request,
        "collection/import_detail.html",
        {
            "job": job,
            "plan": plan,
            "preview": import_job_preview(job=job),
            "can_control": may_control_import_job(request.user, job),
        },
    )
