"""Editing a person or a house from a phone, and the staff lists of houses and
organisations (scoped, filtered, exported with the same filters)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.access import allowed

from . import policy, selectors, services
from .actions import BASEDATA_CHANGE
from .extra_fields import extra_schema
from .forms import PersonEditForm, schema_form, schema_values
from .models import House, Organisation, Person


def _changeable(user, obj):
    if not allowed(user, obj.area_path, BASEDATA_CHANGE):
        raise PermissionDenied
    return obj


@login_required
def person_edit(request, pk):
    try:
        person = _changeable(request.user, selectors.person_get(user=request.user, pk=pk))
    except Person.DoesNotExist:
        raise Http404 from None
    area = person.area_path
    phone_visible = policy.mode_for(request.user, "phone", area_path=area) == policy.VISIBLE
    initial = {"name": person.name, "doc_type": person.doc_type, "kind": person.kind,
               "residence_address": person.residence_address, "relation": person.relation,
               "phone": person.phone if phone_visible else "",
               "gender": person.gender if person.doc_type == Person.DocType.FOREIGN else "",
               "birth_date": person.birth_date
               if person.doc_type == Person.DocType.FOREIGN else None}
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
    return render(request, "collection/person_form.html", {
        "form": form, "extra": extra, "person": person,
        "shown_id": policy.present(request.user, "id_number", person.id_number,
                                   area_path=area),
        "shown_phone": "" if phone_visible else policy.present(
            request.user, "phone", person.phone, area_path=area)},
        status=400 if data is not None else 200)


@login_required
def house_edit(request, pk):
    house = selectors.house_list(user=request.user).filter(pk=pk).first()
    if house is None:
        raise Http404
    _changeable(request.user, house)
    data = request.POST if request.method == "POST" else None
    extra = schema_form(extra_schema("houses"), data, initial=house.extra, prefix="extra")
    error = ""
    if data is not None and extra.is_valid():
        try:
            location = Point(float(data["lng"]), float(data["lat"]), srid=4326)
        except (KeyError, ValueError):
            location = house.location
        changes = {"address": data.get("address", ""), "use": data.get("use", house.use),
                   "owner_name": data.get("owner_name", ""), "location": location}
        if extra.fields:
            changes["extra"] = {**house.extra, **schema_values(extra)}
        try:
            services.house_update(actor=request.user, house=house, **changes)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("房屋信息已保存。"))
            return redirect("collection:house-detail", pk=house.pk)
    center = (house.location or house.grid.centroid or Point(125.32, 43.88))
    return render(request, "collection/house_form.html", {
        "house": house, "uses": House.Use.choices, "error": error, "extra": extra,
        "center": (center.x, center.y)}, status=400 if error or extra.errors else 200)


def _page(request, qs):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(qs, 30).get_page(request.GET.get("page")), query.urlencode()


@login_required
def houses(request):
    """实有房屋:按地址检索,按用途、网格筛选;导出同一筛选结果。"""
    p = request.GET
    qs = selectors.house_list(user=request.user, q=p.get("q", "").strip(),
                              use=p.get("use", ""), grid=p.get("grid", "").strip())
    page, query = _page(request, qs)
    return render(request, "collection/houses.html", {
        "page": page, "query": query, "uses": House.Use.choices})


@login_required
def organisations(request):
    """组织:按名称或信用代码检索,按类型、网格筛选;导出同一筛选结果。"""
    p = request.GET
    qs = selectors.organisation_list(user=request.user, q=p.get("q", "").strip(),
                                     kind=p.get("kind", ""), grid=p.get("grid", "").strip())
    page, query = _page(request, qs)
    return render(request, "collection/organisations.html", {
        "page": page, "query": query, "kinds": Organisation.Kind.choices})
