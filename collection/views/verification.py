"""核准 (verification) for grid workers: the records departments pushed down to their grids,
each confirmed, corrected or rejected from a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.roles import Role
from governance.versions import row_version

from .. import policy
from ..models import House, Organisation, Person, VerificationTask
from ..verification import (
    CORRECTABLE,
    verification_decide,
    verification_progress,
    verification_task_list,
)

MODELS = {"people": Person, "houses": House, "organisations": Organisation}


def _pending(user):
    return verification_task_list(user=user, status=VerificationTask.Status.PENDING)


def _records(user, tasks) -> dict[tuple[str, str], object]:
    """The records behind a page of tasks, one query per dataset, scoped: a record moved
    out of the user's jurisdiction since it was pushed down is not shown."""
    wanted: dict[str, list[str]] = {}
    for t in tasks:
        wanted.setdefault(t.dataset, []).append(t.object_id)
    found = {}
    for dataset, ids in wanted.items():
        model = MODELS.get(dataset)
        if model is not None:
            for obj in model.objects.restrict(user).filter(
                pk__in=[int(i) for i in ids if i.isdigit()]
            ):
                found[(dataset, str(obj.pk))] = obj
    return found


def _protected(user, obj, field: str) -> str:
    return policy.present(user, field, getattr(obj, field), area_path=obj.area_path) or "—"


def _summary(user, dataset: str, obj) -> list[tuple[str, str]]:
    """What the grid worker checks on the ground, protected values through the policy."""
    if obj is None:
        return [(_("记录"), _("已删除或已不在您的管辖范围内"))]
    if dataset == "people":
        return [
            (_("姓名"), obj.name),
            (_("证件号码"), _protected(user, obj, "id_number")),
            (_("联系电话"), _protected(user, obj, "phone")),
            (_("人口类型"), obj.get_kind_display()),
            (_("居住地址"), obj.residence_address or "—"),
        ]
    if dataset == "houses":
        return [
            (_("地址"), obj.address),
            (_("用途"), obj.get_use_display()),
            (_("产权人"), obj.owner_name or "—"),
        ]
    return [
        (_("名称"), obj.name),
        (_("统一社会信用代码"), obj.credit_code),
        (_("类型"), obj.get_kind_display()),
        (_("法定代表人"), obj.legal_person or "—"),
        (_("地址"), obj.address or "—"),
    ]


def _fields(dataset: str, obj) -> list[dict]:
    """The correctable fields with their current values, for the inline form."""
    labels = {
        "name": _("姓名") if dataset == "people" else _("名称"),
        "phone": _("联系电话"),
        "residence_address": _("居住地址"),
        "relation": _("与户主关系"),
        "address": _("地址"),
        "owner_name": _("产权人"),
        "legal_person": _("法定代表人"),
        "kind": _("人口类型") if dataset == "people" else _("类型"),
        "use": _("用途"),
    }
    choices = {
        "people": {"kind": Person.Kind.choices},
        "houses": {"use": House.Use.choices},
        "organisations": {"kind": Organisation.Kind.choices},
    }[dataset]
    out = []
    for name in CORRECTABLE[dataset]:
        value = "" if obj is None or name == "phone" else getattr(obj, name, "")
        out.append(
            {"name": name, "label": labels[name], "value": value, "choices": choices.get(name)}
        )
    return out


@login_required
def verifications(request):
    if request.method == "POST":
        task_id = request.POST.get("task", "")
        task = _pending(request.user).filter(pk=task_id).first() if task_id.isdigit() else None
        if task is None:
            messages.error(request, _("该核准任务不存在或已处理。"))
        else:
            decision = request.POST.get("decision", "")
            corrections = {
                f: request.POST[f]
                for f in CORRECTABLE.get(task.dataset, ())
                if request.POST.get(f, "").strip()
            }
            try:
                verification_decide(
                    actor=request.user,
                    task=task,
                    decision=decision,
                    note=request.POST.get("note", ""),
                    corrections=corrections,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("已处理:%(s)s") % {"s": VerificationTask.Status(decision).label}
                )
        return redirect(request.get_full_path())
    page = Paginator(_pending(request.user), 20).get_page(request.GET.get("page"))
    records = _records(request.user, page)
    # Only the grid's own workers decide; staff above follow the progress.
    worker_grids = set(
        request.user.role_assignments.filter(role=Role.GRID_WORKER).values_list(
            "area_id", flat=True
        )
    )
    rows = []
    for task in page:
        obj = records.get((task.dataset, task.object_id))
        rows.append(
            {
                "task": task,
                "summary": _summary(request.user, task.dataset, obj),
                "fields": _fields(task.dataset, obj),
                "can_decide": task.grid_id in worker_grids,
                # The record's version as read: a correction sent from the phone later
                # (the outbox) is refused with 409 if the record changed meanwhile.
                "version": row_version(obj) if obj is not None else "",
            }
        )
    progress = [] if worker_grids else verification_progress(user=request.user)[:200]
    return render(
        request, "collection/verifications.html", {"page": page, "rows": rows, "progress": progress}
    )
