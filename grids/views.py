from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from . import selectors
from .models import Area


@login_required
def area_browser(request):
    roots = selectors.area_roots(user=request.user)
    if not roots:
        return render(request, "grids/no_jurisdiction.html", status=403)
    return redirect("grids:area-detail", code=roots[0].code)


@login_required
def area_detail(request, code):
    try:
        area = selectors.area_get(user=request.user, code=code)
    except Area.DoesNotExist:
        raise Http404 from None
    children = selectors.area_list(user=request.user, parent=area).only(
        "code", "name", "level", "area_m2", "has_territory"
    )
    return render(
        request,
        "grids/area_detail.html",
        {
            "area": area,
            "ancestors": selectors.area_ancestors(user=request.user, area=area),
            "children": children,
            "staff": selectors.area_staff(user=request.user, area=area),
        },
    )
