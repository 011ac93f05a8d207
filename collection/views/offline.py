"""The grid worker's pages as an installable app (issue 17): the web app manifest and the
service worker that keeps their app shell for opening them without signal.

Both are rendered, not static files: production serves static files under hashed names
(ManifestStaticFilesStorage), and the worker must ask for those. The worker's bytes
change with the list of what it keeps, so a deploy with new static files replaces it.
Neither holds data: they are public like the static files.

What the worker keeps (docs/offline.md): the static files the pages need, and the pages
below as this worker last saw them (network first; the copy only when offline). It wipes
its caches when the worker logs out and when a page answers with the login page (the
session expired). The pages are kept as shown — masked as the field policy masks them —
but not encrypted: that, and the outbox, are the phone-side part of issue 17.
"""

import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

# The pages a grid worker opens in the field; forms listing the grid's people (the
# visit form) are not kept.
SHELL_PAGES = ("collection:my-grid", "collection:house-new", "collection:person-new")
SHELL_STATIC = (
    "css/gridgov.css",
    "js/gridgov.js",
    "js/offline.js",
    # Position sharing (command/) runs on every page of a field worker while it is on.
    "js/command_position.js",
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
