"""The project's URLs plus the bare view of the load test (bench/load/settings.py only)."""

from django.http import HttpResponse
from django.urls import include, path

from governance.urls import handler400, handler403, handler404, handler500  # noqa: F401


def bare(request):
    """The ceiling: the full middleware stack, then a constant answer."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("governance.urls"))]
