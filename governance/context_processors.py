from django.conf import settings

from .navigation import menu_for
from .roles import Role
from .scoping import user_role_rows

# The service worker asks for the grid worker's pages with this header when it keeps them
# for use without signal (docs/offline.md): the page comes as its "shell", without the
# personal data it lists, which the phone draws from its sealed store instead.
SHELL_HEADER = "X-GridGov-Shell"


# The bell shows up to this many and then "99+": it counts at most one more row, however
# many a user has let pile up — a county dispatcher hears of every case of the county, and
# counting 3,000 unread notices on every page was the load test's second-largest
# statement (2.2 ms a page; docs/performance.md, "A fourth machine").
UNREAD_SHOWN = 99


def unread_count_sql(user_column: str) -> str:
    """SQL of the bell's count for the user whose id is `user_column`, at most
    UNREAD_SHOWN + 1: a range of the (user_id, read_at) index, cut off there. Read with
    the user at the start of the request (governance/auth.py), one round trip fewer on
    every page."""
    from .models import Notification

    return (
        f"SELECT count(*) FROM (SELECT 1 FROM {Notification._meta.db_table} n"
        f" WHERE n.user_id = {user_column} AND n.read_at IS NULL"
        f" LIMIT {int(UNREAD_SHOWN) + 1}) AS unread"
    )


def _unread_count(user) -> int:
    """The bell's count, on every page: as read with the user, or read now."""
    kept = user.__dict__.pop("_unread_count", None)
    if kept is not None:
        return kept
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(unread_count_sql("%s"), [user.pk])
        return cur.fetchone()[0]


def offline_shell(request) -> bool:
    return request.headers.get(SHELL_HEADER) == "1"


def _active_entry(request, nav_items) -> str:
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match is not None else ""
    return name if any(item["name"] == name for item in nav_items) else ""


def navigation(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = _unread_count(user)
    nav_items = menu_for(request.user) if hasattr(request, "user") else []
    return {
        "unread_notifications": unread,
        "unread_label": f"{UNREAD_SHOWN}+" if unread > UNREAD_SHOWN else str(unread),
        "nav_items": nav_items,
        # The menu entry of this page, or "" on a page the menu does not list: the menu's
        # {% memo %} is then one per role mix and entry, not one per page of the site.
        "nav_active": _active_entry(request, nav_items),
        "platform_name": settings.PLATFORM_NAME,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # Grid workers' pages are an installable app that opens offline (docs/offline.md);
        # the roles are already read for the menu (cached on the user).
        "offline_app": any(r == Role.GRID_WORKER for r, *_rest in user_role_rows(user)),
        "offline_shell": offline_shell(request),
    }
