"""The guard on input at the edge, for every page and endpoint at once (see the class)."""

import sys

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.views import APIView

from governance import errors

# Paths whose clients read JSON, also where the view is not a DRF view (Open311).
JSON_PREFIXES = ("/api/", "/open311/")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InputGuardMiddleware:
    """Refuses, for every page and endpoint at once, input no view can be expected to
    guard against, and answers the errors a page may legitimately end in with a 4xx page.

    - A NUL character in the query string, in a URL part or (pages) in a posted form field
      or file name → 400: PostgreSQL text cannot hold it, so a filter or a save with one
      would fail in the database (a 500). API bodies are checked by the API's parsers
      (governance/api/parsers.py), which see JSON as well as forms.
    - An exception from a page that `governance.errors.describe` knows (a refused service
      call, a `DoesNotExist`, an id that is not a number) → its 4xx as a page with the
      message. The API answers the same errors through its exception handler.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        drf = _is_drf(view_func)
        request.wants_json = drf or request.path_info.startswith(JSON_PREFIXES)
        suspects = [
            *_form_strings(request.GET),
            *(a for a in view_args if isinstance(a, str)),
            *(v for v in view_kwargs.values() if isinstance(v, str)),
        ]
        if not drf and request.method == "POST" and request.content_type in FORM_TYPES:
            suspects += _form_strings(request.POST)
            suspects += [f.name or "" for f in request.FILES.values()] + list(request.FILES)
        if any("\x00" in s for s in suspects):
            return _refuse(request, 400, "nul_character", _("输入中含有空字符(NUL),无法处理。"))
        return None

    def process_exception(self, request, exception):
        if _is_drf(getattr(request.resolver_match, "func", None)):
            return None  # the API's exception handler has answered all it knows
        if isinstance(exception, Http404 | PermissionDenied):
            return None  # Django's own 404/403 pages
        described = errors.describe(exception)
        if described is None:
            return None  # a bug: 500
        status, code, detail, _fields = described
        return _refuse(request, status, code, detail)


def _is_drf(view_func) -> bool:
    cls = getattr(view_func, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


def _form_strings(query_dict) -> list[str]:
    return [s for key, values in query_dict.lists() for s in (key, *values) if isinstance(s, str)]


def _refuse(request, status: int, code: str, detail: str):
    if code == errors.DATABASE_UNAVAILABLE:
        return database_unavailable(request)
    if getattr(request, "wants_json", request.path_info.startswith(JSON_PREFIXES)):
        return _json(status, code, detail)
    return render(
        request, "error.html", {"status": status, "detail": detail, "code": code}, status=status
    )


# Django's error views for what never reached a view (an unknown URL, a bad Host, a crash):
# under the API prefixes they answer JSON like everything else there, elsewhere the pages.


def bad_request(request, exception):
    if request.path_info.startswith(JSON_PREFIXES):
        return _json(400, "bad_request", _("请求有误。"))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if request.path_info.startswith(JSON_PREFIXES):
        return _json(403, "forbidden", _("您无权执行此操作。"))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if request.path_info.startswith(JSON_PREFIXES):
        return _json(404, "not_found", _("未找到,或不在您的管辖范围内。"))
    return defaults.page_not_found(request, exception)


def database_unavailable(request):
    """503 while the database is down: JSON under the API prefixes, elsewhere a page that
    needs nothing from the database (no user, no menu: base.html would read them)."""
    detail = str(errors.UNAVAILABLE_MESSAGE)
    if getattr(request, "wants_json", request.path_info.startswith(JSON_PREFIXES)):
        response = _json(503, errors.DATABASE_UNAVAILABLE, detail)
    else:
        response = HttpResponse(
            render_to_string("unavailable.html", {"detail": detail}), status=503
        )
    response["Retry-After"] = "30"
    return response


def server_error(request):
    # Called for an exception no view handled — also one from a middleware (the session,
    # the account guard) — while it is being handled, so sys.exc_info() names it.
    exc = sys.exc_info()[1]
    if exc is not None and errors.database_unavailable(exc):
        return database_unavailable(request)
    if request.path_info.startswith(JSON_PREFIXES):
        return _json(500, "server_error", _("服务器内部错误,已记录。"))
    return defaults.server_error(request)


def _json(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"detail": str(detail), "code": code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
