from django.conf import settings

from .navigation import menu_for
from .roles import Role
from .scoping import user_role_rows


def navigation(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "unread_notifications": unread,
        "nav_items": menu_for(request.user) if hasattr(request, "user") else [],
        "platform_name": settings.PLATFORM_NAME,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # Grid workers' pages are an installable app that opens offline (docs/offline.md);
        # the roles are already read for the menu (cached on the user).
        "offline_app": any(r == Role.GRID_WORKER for r, *_rest in user_role_rows(user)),
    }
