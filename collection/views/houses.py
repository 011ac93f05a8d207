"""Houses (实有房屋): the staff list, registering and editing a house from a phone, the
house page with its residents, and the map of houses and places."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from governance.versions import row_version
from grids.selectors import area_roots, pick_map_context

from .. import policy, selectors, services
from ..extra_fields import extra_schema
from ..forms import schema_form, schema_values
from ..models import House
from .common import changeable, list_page, my_grids


@login_required
def houses(request):
    """实有房屋:按地址检索,按用途、网格筛选;导出同一筛选结果。"""
    p = request.GET
    qs = selectors.house_list(
        user=request.user,
        q=p.get("q", "").strip(),
        use=p.get("use", ""),
        grid=p.get("grid", "").strip(),
    )
    page, query = list_page(
        request, qs, {"address": ("address", "id"), "grid": ("grid__code", "address")}
    )
    return render(
        request, "collection/houses.html", {"page": page, "query": query, "uses": House.Use.choices}
    )


@login_required
def house_new(request):
    grids = my_grids(request.user)
    error = ""
    extra = schema_form(extra_schema("houses"), request.POST or None, prefix="extra")
    if request.method == "POST" and extra.is_valid():
        grid = next((g for g in grids if g.code == request.POST.get("grid")), None)
        try:
            lng, lat = float(request.POST["lng"]), float(request.POST["lat"])
            location = Point(lng, lat, srid=4326)
        except (KeyError, ValueError):
            location = None  # the place is optional for a house
        try:
            house = services.house_create(
                actor=request.user,
                grid=grid,
                address=request.POST.get("address", ""),
                use=request.POST.get("use", House.Use.SELF),
                owner_name=request.POST.get("owner_name", ""),
                location=location,
                extra=schema_values(extra),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("房屋已登记。"))
            return redirect("collection:house-detail", pk=house.pk)
    center = (
        (grids[0].centroid.x, grids[0].centroid.y)
        if grids and grids[0].centroid
        else (125.32, 43.88)
    )
    return render(
        request,
        "collection/house_form.html",
        {
            "grids": grids,
            "uses": House.Use.choices,
            "error": error,
            "center": center,
            **pick_map_context(user=request.user, area=grids[0] if grids else None),
            "extra": extra,
        },
    )


@login_required
def house_detail(request, pk):
    house = selectors.house_list(user=request.user).filter(pk=pk).first()
    if house is None:
        raise Http404
    residents = [
        (
            p,
            policy.present(request.user, "id_number", p.id_number, area_path=p.area_path),
            policy.present(request.user, "phone", p.phone, area_path=p.area_path),
        )
        for p in selectors.person_list(user=request.user).filter(house=house)
    ]
    return render(request, "collection/house_detail.html", {"house": house, "residents": residents})


@login_required
def house_edit(request, pk):
    house = selectors.house_list(user=request.user).filter(pk=pk).first()
    if house is None:
        raise Http404
    changeable(request.user, house)
    data = request.POST if request.method == "POST" else None
    extra = schema_form(extra_schema("houses"), data, initial=house.extra, prefix="extra")
    error = ""
    if data is not None and extra.is_valid():
        try:
            location = Point(float(data["lng"]), float(data["lat"]), srid=4326)
        except (KeyError, ValueError):
            location = house.location
        changes = {
            "address": data.get("address", ""),
            "use": data.get("use", house.use),
            "owner_name": data.get("owner_name", ""),
            "location": location,
        }
        if extra.fields:
            changes["extra"] = {**house.extra, **schema_values(extra)}
        try:
            services.house_update(actor=request.user, house=house, **changes)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("房屋信息已保存。"))
            return redirect("collection:house-detail", pk=house.pk)
    center = house.location or house.grid.centroid or Point(125.32, 43.88)
    return render(
        request,
        "collection/house_form.html",
        {
            "house": house,
            "version": row_version(house),
            "uses": House.Use.choices,
            "error": error,
            "extra": extra,
            "center": (center.x, center.y),
            **pick_map_context(user=request.user, area=house.grid),
        },
        status=400 if error or extra.errors else 200,
    )


@login_required
def data_map(request):
    """Houses and places with a location, in the user's jurisdiction, on a map, within
    the boundaries of the user's (first) area and its parts."""
    roots = area_roots(user=request.user)
    return render(request, "collection/map.html", {"area": roots[0] if roots else None})
