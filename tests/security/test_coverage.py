"""Every URL of the project is probed by an outsider case or declared free of records.

Walks the whole URL conf (`get_resolver()`): the API routes of every app's router, the
APIViews, Open311, the public pages and the HTML pages. For a DRF route or APIView
each HTTP method it answers counts: a new `@action` or a new `post()` without a case
fails here, with what to add."""

from django.urls import URLPattern, URLResolver, get_resolver

from .registry import CASES, NO_DATA

READS = {"get", "head", "options"}


def _routes(patterns=None, prefix="", namespace=""):
    """(url name, route, methods or None for a plain view) for every pattern."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
            continue
        assert isinstance(p, URLPattern)
        callback = p.callback
        methods = None
        if getattr(callback, "actions", None):  # a ViewSet route (DRF adds head to it)
            methods = set(callback.actions) - {"head", "options"}
        elif getattr(callback, "view_class", None) is not None:
            cls = callback.view_class
            if hasattr(cls, "http_method_names") and "APIView" in {c.__name__ for c in cls.__mro__}:
                methods = {m for m in cls.http_method_names if hasattr(cls, m)} - {"options"}
        # An unnamed pattern inside a namespace goes by the namespace ("admin:").
        name = f"{namespace}{p.name}" if p.name else (namespace or None)
        yield name, prefix + str(p.pattern), methods


def _no_data(name: str) -> bool:
    return name in NO_DATA or any(k.endswith(":") and name.startswith(k) for k in NO_DATA)


def uncovered(patterns=None) -> list[str]:
    probed: dict[str, set[str]] = {}
    for case in CASES:
        probed.setdefault(case.name, set()).add(case.method.lower())
    missing = []
    for name, route, methods in _routes(patterns):
        if name is None:
            missing.append(f"{route}: give the URL a name, then register it")
            continue
        if methods is None:  # a plain view: the name must be probed or declared
            if name not in probed and not _no_data(name):
                missing.append(f"{name} ({route})")
            continue
        for method in sorted(methods):
            if method in probed.get(name, set()):
                continue
            if method in READS and _no_data(name):
                continue
            missing.append(f"{method.upper()} {name} ({route})")
    return missing


def test_every_url_is_covered():
    missing = uncovered()
    assert not missing, (
        "URLs without an outsider case: add a Case to tests/security/registry.py CASES "
        "(a record of 南关区 built in world.py, what the insider sees, who must not), or, "
        "if the URL serves no record of any jurisdiction, its name and the reason to "
        "NO_DATA:\n  " + "\n  ".join(missing)
    )


def test_the_registry_names_only_existing_urls():
    names = {name for name, _route, _methods in _routes() if name}
    stale = sorted({c.name for c in CASES} - names) + sorted(
        k for k in NO_DATA if not k.endswith(":") and k not in names
    )
    assert not stale, f"registry entries without a URL (renamed or removed?): {stale}"


def test_cases_have_unique_ids():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_a_new_endpoint_or_page_without_a_case_is_reported():
    """The check itself: a new router, a new action, a new page and an unnamed URL."""
    from django.http import HttpResponse
    from django.urls import include, path
    from rest_framework import viewsets
    from rest_framework.decorators import action
    from rest_framework.response import Response
    from rest_framework.routers import SimpleRouter

    class ThingViewSet(viewsets.ViewSet):
        def list(self, request):
            return Response([])

        @action(detail=True, methods=["post"])
        def close(self, request, pk=None):
            return Response({})

    router = SimpleRouter()
    router.register("things", ThingViewSet, basename="thing")

    def page(request):
        return HttpResponse("")

    patterns = [
        *get_resolver().url_patterns,
        path("api/v1/", include(router.urls)),
        path("things/", page, name="thing-page"),
        path("unnamed/", page),
    ]
    missing = "\n".join(uncovered(patterns))
    for expected in (
        "GET thing-list",
        "POST thing-close",
        "thing-page (things/)",
        "unnamed/: give the URL a name",
    ):
        assert expected in missing, missing
    assert uncovered() == []
