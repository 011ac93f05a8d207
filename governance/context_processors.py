from django.conf import settings

from .navigation import menu_for
from .roles import Role
from .scoping import user_role_rows

# The service worker asks for the grid worker's pages with this header when it keeps them
# for use without signal (docs/offline.md): the page comes as its "shell", without the
# personal data it lists, which the phone draws from its sealed store instead.
SHELL_HEADER = "X-GridGov-Shell"


_UNREAD = None


def _unread_count(user) -> int:
    """The bell's count, on every page: its statement compiled once per process."""
    global _UNREAD
    if _UNREAD is None:
        from django.db.models import Count

        from .compiled import CompiledQuery
        from .models import Notification

        _UNREAD = CompiledQuery(
            lambda user_id: (
                Notification.objects.filter(user_id=user_id, read_at__isnull=True)
                .order_by()
                .values("user_id")
                .annotate(n=Count("pk"))
            ),
            user_id=987_654_321,
        )
    rows = _UNREAD.rows(user_id=user.pk)
    return rows[0]["n"] if rows else 0


def offline_shell(request) -> bool:
    return request.headers.get(SHELL_HEADER) == "1"


def navigation(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = _unread_count(user)
    return {
        "unread_notifications": unread,
        "nav_items": menu_for(request.user) if hasattr(request, "user") else [],
        "platform_name": settings.PLATFORM_NAME,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # Grid workers' pages are an installable app that opens offline (docs/offline.md);
        # the roles are already read for the menu (cached on the user).
        "offline_app": any(r == Role.GRID_WORKER for r, *_rest in user_role_rows(user)),
        "offline_shell": offline_shell(request),
    }
