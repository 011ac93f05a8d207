"""People (实有人口): the staff list, registering a person, the person page (with reveal)
and editing a person from a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.access import allowed
from governance.versions import row_version

from .. import policy, selectors, services
from ..actions import BASEDATA_CHANGE
from ..extra_fields import extra_schema
from ..forms import PersonEditForm, PersonForm, schema_form, schema_values
from ..models import Person, PersonTag
from ..transfers import PersonTransferRequested
from .common import changeable, list_page, my_grids

PEOPLE_SORTS = {"name": ("name", "id"), "grid": ("grid__code", "name"), "kind": ("kind", "name")}


@login_required
def people(request):
    """Scoped list for staff at every level: search by name, address or full ID number,
    filter by tag, type and grid; values masked by role; export of the same selection."""
    p = request.GET
    q = p.get("q", "").strip()
    filters = {
        "q": q,
        "tag": p.get("tag", ""),
        "kind": p.get("kind", ""),
        "grid": p.get("grid", ""),
    }
    active_tags = Prefetch("tags", queryset=PersonTag.objects.filter(end_date__isnull=True))
    qs = selectors.person_list(user=request.user, **filters).prefetch_related(active_tags)
    page, query = list_page(request, qs, PEOPLE_SORTS)
    rows = [
        (
            x,
            policy.present(request.user, "id_number", x.id_number, area_path=x.area_path),
            policy.present(request.user, "phone", x.phone, area_path=x.area_path),
        )
        for x in page
    ]
    return render(
        request,
        "collection/people.html",
        {
            "page": page,
            "rows": rows,
            "tags": PersonTag.Tag.choices,
            "kinds": Person.Kind.choices,
            "query": query,
        },
    )


@login_required
def person_new(request):
    grids = my_grids(request.user)
    houses = selectors.house_list(user=request.user).filter(grid__in=[g.pk for g in grids])
    house_id = request.POST.get("house") or request.GET.get("house") or ""
    house = houses.filter(pk=house_id).first() if house_id.isdigit() else None
    form = PersonForm(request.POST or None)
    extra = schema_form(extra_schema("people"), request.POST or None, prefix="extra")
    if request.method == "POST" and form.is_valid() and extra.is_valid():
        grid = (
            house.grid
            if house
            else next((g for g in grids if g.code == request.POST.get("grid")), None)
        )
        try:
            services.person_create(
                actor=request.user,
                grid=grid,
                house=house,
                extra=schema_values(extra),
                **form.cleaned_data,
            )
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
    return render(
        request,
        "collection/person_form.html",
        {"form": form, "extra": extra, "grids": grids, "houses": houses, "house": house},
    )


@login_required
def person_detail(request, pk):
    try:
        person = selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None
    revealed, status = {}, 200
    if request.method == "POST":
        field = request.POST.get("reveal", "")
        try:
            revealed[field] = services.person_reveal(actor=request.user, person=person, field=field)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 403 if exc.code == "forbidden" else 400
    shown = {
        f: revealed.get(f)
        or policy.present(request.user, f, getattr(person, f), area_path=person.area_path)
        for f in ("id_number", "phone", "birth_date")
    }
    if revealed.get("id_number"):  # the full number holds the full date: no point hiding it
        shown["birth_date"] = person.birth_date
    return render(
        request,
        "collection/person_detail.html",
        {
            "person": person,
            "shown": shown,
            "revealed": revealed,
            "can_reveal": {
                f: policy.can_reveal(request.user, f, area_path=person.area_path)
                for f in ("id_number", "phone")
            },
            "visits": person.visits.order_by("-visited_at")[:20],
            "can_change": allowed(request.user, person.area_path, BASEDATA_CHANGE),
        },
        status=status,
    )


@login_required
def person_edit(request, pk):
    try:
        person = changeable(request.user, selectors.person_get(user=request.user, pk=pk))
    except Person.DoesNotExist:
        raise Http404 from None
    area = person.area_path
    phone_visible = policy.mode_for(request.user, "phone", area_path=area) == policy.VISIBLE
    initial = {
        "name": person.name,
        "doc_type": person.doc_type,
        "kind": person.kind,
        "residence_address": person.residence_address,
        "relation": person.relation,
        "phone": person.phone if phone_visible else "",
        "gender": person.gender if person.doc_type == Person.DocType.FOREIGN else "",
        "birth_date": person.birth_date if person.doc_type == Person.DocType.FOREIGN else None,
    }
    data = request.POST if request.method == "POST" else None
    form = PersonEditForm(data, initial=initial)
    extra = schema_form(extra_schema("people"), data, initial=person.extra, prefix="extra")
    if data is not None and form.is_valid() and extra.is_valid():
        changes = dict(form.cleaned_data)
        if not changes["id_number"]:
            changes.pop("id_number")  # kept as stored (its type may not change alone)
            if changes["doc_type"] != person.doc_type:
                changes.pop("doc_type")
        if not changes["phone"] and not phone_visible:
            changes.pop("phone")  # a masked phone stays as stored
        if extra.fields:
            changes["extra"] = {**person.extra, **schema_values(extra)}
        try:
            services.person_update(actor=request.user, person=person, **changes)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存:%(n)s") % {"n": person.name})
            return redirect("collection:person-detail", pk=person.pk)
    return render(
        request,
        "collection/person_form.html",
        {
            "form": form,
            "extra": extra,
            "person": person,
            "version": row_version(person),
            "shown_id": policy.present(request.user, "id_number", person.id_number, area_path=area),
            "shown_phone": ""
            if phone_visible
            else policy.present(request.user, "phone", person.phone, area_path=area),
        },
        status=400 if data is not None else 200,
    )
