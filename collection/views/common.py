"""What several pages share: the grid worker's own grids, the change check on a record,
and a page of a list with its query string."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

from governance.access import allowed
from governance.compiled import CompiledQueries, run_listed
from governance.listing import sort_queryset
from governance.roles import Role
from governance.scoping import user_role_rows
from grids.models import Area

from ..actions import BASEDATA_CHANGE

# Compiled once per process and number of grids (governance/compiled.py run_listed).
_GRIDS = CompiledQueries(size=64)


def my_grids(user):
    # From the roles read once per request (governance.scoping.user_role_rows).
    ids = sorted(
        {area_id for role, area_id, _p, _d in user_role_rows(user) if role == Role.GRID_WORKER}
    )
    if not ids:
        return []
    return run_listed(
        _GRIDS,
        "grids",
        lambda ids: Area.objects.filter(id__in=ids).only(
            "code", "name", "path", "level", "centroid"
        ),
        ids=ids,
    )


def changeable(user, obj):
    if not allowed(user, obj.area_path, BASEDATA_CHANGE):
        raise PermissionDenied
    return obj


def list_page(request, qs, sorts=None):
    """A page of the list, sorted by the clicked column when `sorts` allows it, and the
    query string without the page (for the export link)."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    if sorts:
        qs = sort_queryset(qs, request.GET.get("sort", ""), sorts)
    return Paginator(qs, 30).get_page(request.GET.get("page")), query.urlencode()
