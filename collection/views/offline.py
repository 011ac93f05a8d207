"""The grid worker's pages as an installable app (issue 17): the web app manifest and the
service worker that keeps their app shell for opening them without signal, the sync
screen, the sealing key and what the phone keeps for work without signal.

The manifest and worker are rendered, not static files: production serves static files
under hashed names (ManifestStaticFilesStorage), and the worker must ask for those. The
worker's bytes change with the list of what it keeps, so a deploy with new static files
replaces it. Neither holds data: they are public like the static files.

What the worker keeps (docs/offline.md): the static files the pages need, and the pages
below as their "shell" — rendered for it without the personal data they list (header
X-GridGov-Shell, governance.context_processors.offline_shell) — used only when offline,
when the phone draws the lists from its sealed store. It wipes its caches when the
worker logs out and when a page answers with the login page (the session expired). The
outbox, the sealed store and offline locate are static/js/outbox.js.
"""

import base64
import hashlib
import json
import secrets

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from governance.roles import Role

from ..models import House, Person
from .common import my_grids

# The pages a grid worker opens in the field, kept as shells: 我的网格 and the visit form
# are rendered for the worker without the people they list (my_grid, visit_new).
SHELL_PAGES = (
    "collection:my-grid",
    "collection:house-new",
    "collection:person-new",
    "collection:visit-new",
    "collection:sync",
    "events:report",
)
SHELL_STATIC = (
    "css/gridgov.css",
    "js/gridgov.js",
    "js/offline.js",
    # Position sharing (command/) runs on every page of a field worker while it is on.
    "js/command_position.js",
    "js/outbox.js",
    "js/report_form.js",
    "js/leaflet_zh.js",
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
)


def _shell() -> tuple[list[str], list[str]]:
    return [reverse(name) for name in SHELL_PAGES], [static(path) for path in SHELL_STATIC]


@require_GET
def service_worker(request) -> HttpResponse:
    pages, assets = _shell()
    cache = hashlib.sha256(json.dumps([pages, assets]).encode()).hexdigest()[:12]
    response = render(
        request,
        "collection/sw.js",
        {
            "cache_name": f"gridgov-shell-{cache}",
            "pages": json.dumps(pages),
            "assets": json.dumps(assets),
            "login": json.dumps(reverse("login")),
            "logout": json.dumps(reverse("logout")),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # Served under /collection/, it controls the whole site (the report form is under
    # /events/); the browser checks for a new worker on every visit.
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request) -> JsonResponse:
    icons = [
        {"src": static(f"icons/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
        for n in (192, 512)
    ]
    icons.append({**icons[-1], "purpose": "maskable"})
    response = JsonResponse(
        {
            "name": "GridGov 网格员",
            "short_name": "网格员",
            "lang": "zh-CN",
            "start_url": reverse("collection:my-grid"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#b71c1c",
            "icons": icons,
        },
        json_dumps_params={"ensure_ascii": False},
        content_type="application/manifest+json",
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def sync_page(request):
    """待同步 and 本机数据: drawn on the phone from its own store (static/js/outbox.js); the
    page itself holds no record."""
    return render(request, "collection/sync.html")


def _refused(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


# The session's key of the kept lists (server data the phone can fetch again): random,
# in the server-side session only, so the lists can be read no longer than it lasts.
LISTS_KEY_SESSION = "gridgov_offline_lists_key"


def _key_id(raw: bytes) -> str:
    """Names a key without revealing it: the phone tells which key sealed a record."""
    return hashlib.sha256(b"gridgov.offline-key-id:" + raw).hexdigest()[:16]


def queue_key(user) -> bytes:
    """The key of the worker's outbox: derived, not random per session (see offline_key),
    from everything whose change should end what the phone holds — the password hash (a
    password reset or change) and the worker's grid assignments (a role revoked and given
    again is a new assignment: another id and time)."""
    roles = sorted(
        (pk, area, created.isoformat())
        for pk, area, created in user.role_assignments.filter(role=Role.GRID_WORKER).values_list(
            "pk", "area_id", "created_at"
        )
    )
    material = json.dumps([user.pk, user.date_joined.isoformat(), user.password, roles])
    return salted_hmac("gridgov.offline-key", material, algorithm="sha256").digest()


def lists_key(session) -> bytes:
    text = session.get(LISTS_KEY_SESSION)
    if not text:
        text = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        session[LISTS_KEY_SESSION] = text
    return base64.b64decode(text)


@never_cache
@require_GET
def offline_key(request) -> JsonResponse:
    """The keys that seal what a grid worker's phone keeps (AES-GCM, 256 bits), handed only
    to the signed-in worker. The phone keeps them in the tab's sessionStorage (never in
    its lasting storage) and imports them non-extractable.

    Two keys, for two kinds of data:

    - `lists_key`, for the kept lists (people, houses: server data, fetched again with
      signal): random, kept in this session on the server, so it goes with the session —
      after a logout or expiry whatever is left of the lists on the phone is unreadable.
    - `key`, for the outbox (the worker's own unsent work): derived from the server's
      secret and the user, not random per session: a worker whose session expired with
      items still queued signs in again and gets the same key, so the items can still be
      read and sent. It changes with the password and the worker's grid assignments
      (queue_key), so a password reset or a revoked role leaves old sealed data unreadable.

    A user no longer a grid worker gets 403 `not_grid_worker`, on which the phone wipes
    its store."""
    if not request.user.is_authenticated:
        return _refused("请先登录 Not signed in.", "not_authenticated", 401)
    if not my_grids(request.user):
        return _refused(
            "您已不是网格员,本机数据将被清除 No longer a grid worker.", "not_grid_worker", 403
        )
    queue, lists = queue_key(request.user), lists_key(request.session)
    return JsonResponse(
        {
            "key": base64.b64encode(queue).decode("ascii"),
            "key_id": _key_id(queue),
            "lists_key": base64.b64encode(lists).decode("ascii"),
            "lists_key_id": _key_id(lists),
            "algorithm": "AES-GCM",
        }
    )


@never_cache
@require_GET
def offline_data(request) -> JsonResponse:
    """What the phone keeps for work without signal: the worker's grids (outlines, for
    locating a point on the phone), the grids around them (outlines and names, as the pick
    map shows them), the event categories, and where to read the worker's lists (the API,
    which masks as the field policy says)."""
    from events.models import EventCategory
    from grids.selectors import area_neighbours_geojson, area_self_geojson

    if not request.user.is_authenticated:
        return _refused("请先登录 Not signed in.", "not_authenticated", 401)
    grids = my_grids(request.user)
    if not grids:
        return _refused(
            "您已不是网格员,本机数据将被清除 No longer a grid worker.", "not_grid_worker", 403
        )
    own = {"type": "FeatureCollection", "features": []}
    around = {"type": "FeatureCollection", "features": []}
    mine = {g.code for g in grids}
    for grid in grids:
        for f in area_self_geojson(user=request.user, area=grid, zoom=16)["features"]:
            f["properties"] = {"code": f["properties"]["code"], "name": f["properties"]["name"]}
            own["features"].append(f)
        for f in area_neighbours_geojson(user=request.user, area=grid, zoom=15)["features"]:
            if f.get("id") not in mine:
                around["features"].append(f)
    categories = [
        {"code": c.code, "name": c.name}
        for c in EventCategory.objects.filter(active=True, parent__isnull=False).order_by("code")
    ]
    # What the phone keeps of each row: what 我的网格 and the visit form show offline,
    # nothing more (the API's answer has more: birth date, addresses, tags, extra).
    lists = [
        {
            "name": "people",
            "label": "本网格人口",
            "url": reverse("person-list"),
            "fields": ["id", "name", "id_number", "phone", "kind", "residence_address"],
            "choices": {"kind": dict(Person.Kind.choices)},
        },
        {
            "name": "houses",
            "label": "本网格房屋",
            "url": reverse("house-list"),
            "fields": ["id", "address", "use", "owner_name"],
            "choices": {"use": dict(House.Use.choices)},
        },
    ]
    return JsonResponse(
        {"grids": own, "neighbours": around, "categories": categories, "lists": lists},
        json_dumps_params={"ensure_ascii": False},
    )
