"""The one place where errors become HTTP answers: every API error is JSON
`{"detail": ..., "code": ...}` (plus `"errors"` with the fields when a body was invalid).

Views and services do not catch and translate; they raise, and this handler maps (the
decision is `governance.errors.describe`, shared with the pages):

- DRF's own exceptions (parse errors, authentication, throttling, serializer validation)
  keep their status, in the same shape;
- `Http404`, `ObjectDoesNotExist` → 404 (outside the jurisdiction looks the same as absent);
- Django `PermissionDenied` → 403;
- Django `ValidationError`, including `governance.errors.ServiceError` and the apps' own
  subclasses (`EventActionError`, …) → the status its class declares (`status_code`) or
  its `code` implies (`forbidden` → 403, `not_found` → 404, `conflict` → 409), else 400;
- a `ValueError` carrying a `code`, or raised where the ORM converts a lookup value (an id
  that is not a number) → 400; any other `ValueError` is a bug (500);
- `IntegrityError` from a unique constraint, and a serialisation failure, deadlock or lock
  timeout between concurrent writers → 409: retrying after reloading may succeed;
- `governance.versions.StaleVersion` (a write carrying a version the row has moved past)
  → 409 `conflict` with both versions: `server` (the current row as the caller may see
  it), `yours` (the submitted body) and `version` (the current one), see docs/offline.md.

Anything else stays a 500: it is a bug, and the fuzzing test (tests/test_api_fuzz.py) is
there to find it.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from governance import errors
from governance.versions import StaleVersion, conflict_present

PLAIN = str | int | float | bool | list | dict | None


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


def exception_handler(exc, context):
    stale = exc if isinstance(exc, StaleVersion) else None
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        if isinstance(detail, list):
            detail = " ".join(str(d) for d in detail)
        code = data.get("code") or getattr(data["detail"], "code", None) or _code(exc)
        body = {"detail": str(detail), "code": str(code)}
        if "errors" in data:
            body["errors"] = data["errors"]
        response.data = body
    elif isinstance(data, list):  # serializers.ValidationError("…", code=…)
        response.data = {
            "detail": " ".join(str(d) for d in data) or _("输入有误。"),
            "code": str(getattr(data[0], "code", None) or "invalid") if data else "invalid",
        }
    else:  # a serializer's errors, field by field
        response.data = {"detail": _summary(data), "code": "invalid", "errors": data}
    if stale is not None:
        response.data.update(_both_versions(stale, context["request"]))
    if response.status_code == 503:  # the database is down: try again shortly
        response["Retry-After"] = "30"
    return response


def _both_versions(exc: StaleVersion, request) -> dict:
    """What the writer needs to merge field by field, without reading the record again."""
    data = request.data
    submitted = data.dict() if hasattr(data, "dict") else data if isinstance(data, dict) else {}
    return {
        "server": conflict_present(exc.current, request),
        # Plain values only: an uploaded file is not echoed back.
        "yours": {k: v for k, v in submitted.items() if k != "version" and isinstance(v, PLAIN)},
        "version": exc.version,
    }


def _summary(errors) -> str:
    """ "输入有误:name: 该字段是必填项。" — the first few field errors, readable."""
    parts = []
    items = errors.items() if isinstance(errors, dict) else enumerate(errors or [])
    for field, messages in list(items)[:3]:
        while isinstance(messages, list | dict) and messages:  # the first, however nested
            messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
        named = isinstance(field, str) and field != "non_field_errors"
        parts.append(f"{field}: {messages}" if named else str(messages))
    return _("输入有误:%(errors)s") % {"errors": "; ".join(parts)} if parts else _("输入有误。")


def _as_api_exception(exc):
    if isinstance(exc, exceptions.APIException):
        return exc
    described = errors.describe(exc)
    if described is None:
        return exc  # a bug: DRF re-raises it and Django answers 500
    status, code, detail, field_errors = described
    error = {403: exceptions.PermissionDenied, 404: exceptions.NotFound, 409: Conflict}.get(
        status, exceptions.APIException
    )(detail, code=code)
    error.status_code = status
    error.detail = {"detail": detail, "code": code}
    if field_errors:
        error.detail["errors"] = field_errors
    return error


def _code(exc):
    codes = getattr(exc, "get_codes", lambda: "error")()
    return codes if isinstance(codes, str) else "invalid"
